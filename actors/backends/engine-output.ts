import type { ReadableStreamDefaultReader } from 'node:stream/web';

/**
 * Reading a warm engine's pipes for as long as it lives. Both are always drained (an engine
 * blocked on a full pipe would never answer); what is kept is bounded: one line of stdout at a
 * time, up to the backend's max_output_size, and the stderr of the current request, up to
 * the same cap.
 */

export interface LineEvents {
  line(text: string): void;
  /** The line being read passed `limit` bytes; the rest of it is read and dropped. */
  tooLarge(): void;
  /** End of stream: every writer closed stdout (the engine exited, usually). */
  end(): void;
}

const NEWLINE = 0x0a;

/** Splits stdout into lines (the answers), each capped at `limit` bytes. */
export class LineReader {
  readonly done: Promise<void>;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private parts: Uint8Array[] = [];
  private length = 0;
  /** The current line already passed the cap: it is dropped up to its newline. */
  private dropping = false;

  constructor(
    stream: ReadableStream<Uint8Array>,
    private readonly limit: number,
    private readonly events: LineEvents,
  ) {
    this.reader = stream.getReader();
    this.done = this.drain();
  }

  stop(): void {
    this.reader.cancel().catch(() => {});
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done) break;
        this.take(value);
      }
    } catch {
      // A pipe that errors is over.
    }
    this.events.end();
  }

  private take(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const at = chunk.indexOf(NEWLINE, start);
      const piece = chunk.subarray(start, at < 0 ? chunk.byteLength : at);
      this.append(piece);
      if (at < 0) return;
      this.finishLine();
      start = at + 1;
    }
  }

  private append(piece: Uint8Array): void {
    if (this.dropping || piece.byteLength === 0) return;
    if (this.length + piece.byteLength > this.limit) {
      this.dropping = true;
      this.parts = [];
      this.length = 0;
      this.events.tooLarge();
      return;
    }
    this.parts.push(piece.slice());
    this.length += piece.byteLength;
  }

  private finishLine(): void {
    if (this.dropping) {
      this.dropping = false;
      return;
    }
    const text = new TextDecoder('utf-8').decode(Buffer.concat(this.parts)).replace(/\r$/, '');
    this.parts = [];
    this.length = 0;
    // Blank lines carry nothing (an engine may print one to flush); they are not answers.
    if (text.trim() !== '') this.events.line(text);
  }
}
