import type { ReadableStreamDefaultReader } from 'node:stream/web';

/** What was read from one output pipe: at most the limit, and whether more was thrown away. */
export interface CapturedOutput {
  bytes: Uint8Array;
  /** Every byte the process wrote, kept or not. */
  totalBytes: number;
  truncated: boolean;
  limit: number;
}

/**
 * Reads a child's stdout or stderr to the end, keeping the first `limit` bytes. Bytes beyond
 * are discarded but still read: a child blocked on a full pipe would never exit, and memory
 * must not grow with what a backend prints.
 */
export class CappedOutput {
  /** Resolves at end of stream (every writer closed the pipe), a read error, or `stop()`. */
  readonly done: Promise<void>;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private chunks: Uint8Array[] = [];
  private kept = 0;
  private total = 0;

  /**
   * `onOverflow` is called once, when the first byte beyond `limit` is read (for a caller that
   * stops a process whose output is already known to be too large).
   */
  constructor(
    stream: ReadableStream<Uint8Array>,
    private readonly limit: number,
    private onOverflow?: () => void,
  ) {
    this.reader = stream.getReader();
    this.done = this.drain();
  }

  /**
   * Starts a new window on a stream that outlives one request (a warm engine's stderr): what
   * was kept and counted so far is forgotten, reading goes on.
   */
  restart(): void {
    this.chunks = [];
    this.kept = 0;
    this.total = 0;
  }

  /** Stops reading (for a pipe that a process outside the group keeps open). */
  stop(): void {
    this.reader.cancel().catch(() => {});
  }

  result(): CapturedOutput {
    return {
      bytes: Buffer.concat(this.chunks),
      totalBytes: this.total,
      truncated: this.total > this.kept,
      limit: this.limit,
    };
  }

  private overflowed(): void {
    const notify = this.onOverflow;
    this.onOverflow = undefined;
    notify?.();
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done) return;
        this.total += value.byteLength;
        const room = this.limit - this.kept;
        if (room > 0) {
          const part = value.byteLength <= room ? value : value.subarray(0, room);
          this.chunks.push(part);
          this.kept += part.byteLength;
        }
        if (this.total > this.kept) this.overflowed();
      }
    } catch {
      // A pipe that errors is over; what was read so far is the output.
    }
  }
}

/** Text of captured bytes; a multi-byte character cut by the cap becomes U+FFFD, not an error. */
export function capturedText(output: CapturedOutput): string {
  return new TextDecoder('utf-8').decode(output.bytes);
}
