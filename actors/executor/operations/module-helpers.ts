import { valueText } from '../../../src/errors.ts';
import { checkStateKey, StateCallError, storableStateValue } from '../../../src/state-keys.ts';
import { AttemptEndedError } from '../attempt-host.ts';
import type { OperationContext } from '../operation.ts';

type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'verbose';

/** What a module's function gets to reach the host: the shared state table and the log. */
export interface ModuleHelpers {
  state: { get(key: string): Promise<unknown>; set(...args: [key: string, value: unknown]): Promise<void> };
  log(message: unknown, level?: LogLevel): Promise<void>;
}

/**
 * The `state` and `log` helpers of one attempt of a module. Each call goes to the host on this
 * attempt's behalf, and is refused (ATTEMPT_ENDED) once the attempt has ended: its signal
 * aborted (a timeout, a cancel: a module may ignore it and go on) or `returned()` says its
 * function has returned (a timer it left behind may still fire).
 */
export function moduleHelpers(ctx: OperationContext, returned: () => boolean): ModuleHelpers {
  const { host, attemptKey, signal, request } = ctx;
  const endedBecause = (): string | null => {
    if (signal.aborted) return `its attempt was stopped (${reasonText(signal.reason)})`;
    return returned() ? 'its attempt had already ended (its function returned)' : null;
  };
  const call = <T>(name: string, run: () => T): Promise<Awaited<T>> => {
    let result: Promise<Awaited<T>>;
    try {
      const why = endedBecause();
      if (why !== null) throw new AttemptEndedError(name, why);
      result = Promise.resolve(run());
    } catch (err) {
      result = Promise.reject(err);
    }
    // An unhandled rejection ends a worker thread, and every attempt on it: a call the module
    // does not await (a log line, typically) must not, so its failure is marked handled here.
    // A module that awaits the call still gets the error.
    result.catch(() => {});
    return result;
  };
  return {
    state: {
      get: (key) =>
        call('state.get', () => {
          checkStateKey('state.get', key);
          return host.stateGet(key, attemptKey);
        }),
      set: (...args) =>
        call('state.set', () => {
          const [key, value] = args;
          checkStateKey('state.set', key);
          // `state.set('k')` stores nothing the caller meant: a value forgotten, or `{ k: v }` meant.
          if (args.length < 2) throw new StateCallError('state.set', 'no value was given');
          // Made storable here, in the thread: the channel to the host cannot carry a function or a Symbol.
          return host.stateSet(key, storableStateValue(key, value), attemptKey);
        }),
    },
    // A message that is not a string is logged as its JSON (else its String()); a level that is
    // not a string is info. Either could otherwise hold what the channel cannot carry.
    log: (message, level = 'info') =>
      call('log', () =>
        host.log(
          typeof level === 'string' ? level : 'info',
          typeof message === 'string' ? message : valueText(message),
          { runId: request.runId, symbol: request.symbol.name },
          attemptKey,
        ),
      ),
  };
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
