import { SwarmError } from '../../src/errors.ts';
import type { HostServices } from './thread-protocol.ts';

/**
 * A `state` or `log` call made for an attempt that has ended: it timed out or was cancelled
 * (and its module ignored its `signal`), or its function had returned. Refused, so that nothing
 * an attempt does lands after its outcome, when a retry may already be running.
 */
export class AttemptEndedError extends SwarmError {
  override name = 'AttemptEndedError';
  constructor(call: string, why: string) {
    super(
      'ATTEMPT_ENDED',
      `${call} was refused: ${why}; an attempt that has ended may not use the state table or the log. ` +
        `Stop the module's work when its \`signal\` aborts.`,
    );
  }
}

/**
 * `host` for the attempts of one node, refusing the calls of an attempt that `isLive` says has
 * ended. Its thread refuses those it knows of itself; this catches the ones it made before it
 * heard of the abort.
 */
export function attemptHost(host: HostServices, isLive: (attempt: string) => boolean): HostServices {
  const check = (call: string, attempt: string) => {
    if (!isLive(attempt)) throw new AttemptEndedError(call, `attempt ${attempt} has ended (it timed out or was cancelled)`);
  };
  return {
    stateGet: (key, attempt) => {
      check('state.get', attempt);
      return host.stateGet(key, attempt);
    },
    stateSet: (key, value, attempt) => {
      check('state.set', attempt);
      host.stateSet(key, value, attempt);
    },
    log: (level, message, fields, attempt) => {
      check('log', attempt);
      host.log(level, message, fields, attempt);
    },
  };
}
