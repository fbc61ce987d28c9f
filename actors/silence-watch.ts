import type { Clock } from '../src/clock.ts';

export interface SilenceWatchOptions {
  clock: Clock;
  now: () => number;
  /** Silent for longer than this: `onSilent`. Checked every quarter of it. */
  limitMs: number;
  /** Called once per silence, with how long it has lasted. */
  onSilent: (silentForMs: number) => void;
  /** A sign of life after `onSilent`. */
  onHeardAgain?: () => void;
}

/**
 * How a remote worker notices that its dispatcher has gone silent: a dispatcher frozen
 * (SIGSTOP, a paused VM) or cut off by a partition that keeps the TCP connection up sends no
 * close, and the worker's heartbeats go into the void. The worker pings at every heartbeat (a
 * WebSocket ping: every WebSocket server answers it with a pong from its event loop, so a
 * dispatcher of any version does) and tells the watch of every frame (`heard`).
 *
 * A check that runs far later than it was due means this process itself was not running (it was
 * stopped, or its event loop blocked): the dispatcher had nothing to answer meanwhile, since
 * no ping left, so the silence is counted afresh from then, not blamed on the dispatcher.
 */
export class SilenceWatch {
  private heardAt: number;
  private timer: unknown = null;
  private silent = false;
  private stopped = false;

  constructor(private readonly options: SilenceWatchOptions) {
    this.heardAt = options.now();
    this.arm();
  }

  /** A frame came (any: a message, a pong, the connection opening). */
  heard(): void {
    this.heardAt = this.options.now();
    if (!this.silent || this.stopped) return;
    this.silent = false;
    this.options.onHeardAgain?.();
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    const every = Math.max(10, Math.floor(this.options.limitMs / 4));
    const due = this.options.now() + every;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      const now = this.options.now();
      if (now - due > every) this.heardAt = now;
      const silentFor = now - this.heardAt;
      if (silentFor > this.options.limitMs) {
        this.silent = true;
        this.options.onSilent(silentFor);
      } else {
        this.arm();
      }
    }, every);
  }
}
