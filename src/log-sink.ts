import { closeSync, writeSync } from 'node:fs';

/**
 * A log destination writing synchronously to a file descriptor, that never blocks and never
 * throws. It replaces pino.destination (sonic-boom), whose flushSync retries a failed write
 * forever (measured with `[logging] file = "/dev/full"`: every command hung at exit, and a
 * dispatcher never finished its SIGTERM shutdown) and keeps every unwritten line in memory.
 *
 * Here a line that cannot be written is dropped and `onFailure` is told once; later lines are
 * tried again, so the sink recovers when the disk does. Nothing is buffered, so a crash loses
 * nothing and there is nothing to flush at exit.
 */
export class FdLogSink {
  private failed = false;
  /** A line was cut by a failed write: the next write starts a new line, so each line stays JSON. */
  private midLine = false;
  /** EAGAIN (a full non-blocking pipe) dropped a line: do not wait for the next one either. */
  private congested = false;
  private closed = false;

  constructor(
    private readonly fd: number,
    private readonly onFailure: (error: Error) => void,
  ) {}

  write(line: string): void {
    if (this.closed) return;
    try {
      this.writeAll(Buffer.from(this.midLine ? '\n' + line : line));
      this.midLine = false;
      this.congested = false;
    } catch (error) {
      if (!this.failed) {
        this.failed = true;
        this.onFailure(error as Error);
      }
    }
  }

  /** Nothing is buffered; present because pino's multistream calls it. */
  flushSync(): void {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // Already gone: nothing left to release.
    }
  }

  private writeAll(bytes: Buffer): void {
    let offset = 0;
    let waitedMs = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(this.fd, bytes, offset);
        if (offset < bytes.length) this.midLine = true;
      } catch (error) {
        if (offset > 0) this.midLine = true;
        // A non-blocking pipe whose reader is slow: wait a little (bounded), never forever.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || this.congested || waitedMs >= MAX_WAIT_MS) {
          if ((error as NodeJS.ErrnoException).code === 'EAGAIN') this.congested = true;
          throw error;
        }
        Atomics.wait(SLEEPER, 0, 0, WAIT_STEP_MS);
        waitedMs += WAIT_STEP_MS;
      }
    }
  }
}

const MAX_WAIT_MS = 100;
const WAIT_STEP_MS = 5;
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));
