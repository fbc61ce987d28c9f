/**
 * Ctrl-C during a long command: the first SIGINT or SIGTERM asks for a graceful end (`first`),
 * a second one means "now" (`second`, which should exit). Handlers stay installed until the
 * process exits, so a signal that arrives while the command is already cleaning up still
 * counts as the second one.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface SignalHandlers {
  first(signal: StopSignal): void;
  second(signal: StopSignal): void;
}

export function onStopSignals(handlers: SignalHandlers): void {
  let received = 0;
  const handle = (signal: StopSignal) => {
    received++;
    if (received === 1) handlers.first(signal);
    else handlers.second(signal);
  };
  process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
}
