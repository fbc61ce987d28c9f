/**
 * Ctrl-C during a long command: the first SIGINT or SIGTERM asks for a graceful end (`first`),
 * a second one means "now" (`second`, which should exit). Handlers stay installed until the
 * process exits, so a signal that arrives while the command is already cleaning up still
 * counts as the second one.
 *
 * One Ctrl-C can arrive twice: the terminal sends SIGINT to the whole foreground process group,
 * and a wrapper in that group (`npm run swarm`) forwards its own copy to the CLI as well. So a
 * repeat of the same signal within SAME_PRESS_MS of the first counts as that first one; a
 * person pressing Ctrl-C again to mean "now" does it later than that.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface SignalHandlers {
  first(signal: StopSignal): void;
  second(signal: StopSignal): void;
}

/** Where signals come from, and the clock that tells a duplicate from a second press. */
export interface SignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
  now(): number;
}

/** A repeat of the first signal sooner than this is the same press, delivered twice. */
export const SAME_PRESS_MS = 300;

const PROCESS_SIGNALS: SignalSource = { on: (signal, listener) => process.on(signal, listener), now: () => performance.now() };

export function onStopSignals(handlers: SignalHandlers, source: SignalSource = PROCESS_SIGNALS): void {
  let first: { signal: StopSignal; at: number } | null = null;
  let seconds = 0;
  const handle = (signal: StopSignal) => {
    const at = source.now();
    if (first === null) {
      first = { signal, at };
      handlers.first(signal);
      return;
    }
    if (seconds === 0 && signal === first.signal && at - first.at < SAME_PRESS_MS) return;
    seconds++;
    handlers.second(signal);
  };
  source.on('SIGINT', () => handle('SIGINT'));
  source.on('SIGTERM', () => handle('SIGTERM'));
}
