import { LOG_LEVELS } from '../src/config/log-levels.ts';
import { Logger } from '../src/logger.ts';
import { checkStateKey, checkStateValue } from '../src/state-keys.ts';
import type { SwarmStore } from '../src/store/types.ts';
import type { HostServices } from './executor/thread-protocol.ts';

/**
 * What tasks on a dispatcher's threads call back into it for: the shared `state` table of its
 * store, and its log.
 */
export function storeHostServices(store: SwarmStore): HostServices {
  const threadLog = Logger.get('task');
  return {
    // Threads check keys before they call; a remote worker's frame may still carry any string.
    // A key never set is null, as README, the HTTP API and the state.get operation say (the
    // store's undefined reached a module's thread as undefined).
    stateGet: (key) => {
      checkStateKey('state.get', key);
      return store.stateGet(key) ?? null;
    },
    stateSet: (key, value) => {
      checkStateKey('state.set', key);
      // Threads refuse such values before they send them; checked again for a remote worker's
      // frame (which can nest deeper than stringify goes): a value JSON cannot write would
      // otherwise surface as a RangeError from deep inside the store.
      checkStateValue(key, value);
      store.stateSet(key, value);
    },
    // A module's `log(message, level)` passes any string as the level: an unknown one is info.
    log: (level, message, fields) => threadLog[LOG_LEVELS.includes(level) ? level : 'info'](fields, String(message)),
  };
}
