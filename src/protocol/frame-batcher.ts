import type { WireMessage } from './messages.ts';
import { BATCH_OVERHEAD, SINGLE_OVERHEAD, frameOfEncoded, utf8Length } from './wire.ts';

export interface FrameBatcherOptions {
  /** Writes one frame (the socket's send). Called synchronously from `push` or `flush`. */
  send: (frame: string) => void;
  /** The receiver's frame limit in UTF-8 bytes (`welcome.maxMessageSize`): no frame is ever longer. */
  maxFrameBytes: number;
  /** Whose limit maxFrameBytes is, for errors (default `max_message_size`). */
  limitName?: string;
  /**
   * Byte budget of a batch (default: the smaller of maxFrameBytes and 64 KiB): a message that
   * would take the pending frame over it goes in the next frame. A single message larger than
   * the budget (but within maxFrameBytes) leaves alone, at once.
   */
  batchBytes?: number;
  /** A frame leaves as soon as it holds this many messages (default 256). */
  maxMessages?: number;
  /**
   * Arranges for `flush` to run later, called once per batch (default `setImmediate`: one
   * frame per event-loop turn, like the local node's batching). Tests pass a manual one.
   */
  schedule?: (flush: () => void) => void;
}

/** A message that cannot fit any frame the receiver accepts. */
export class MessageTooLargeError extends Error {
  override name = 'MessageTooLargeError';
  readonly code = 'MESSAGE_TOO_LARGE';
  constructor(
    readonly messageType: string,
    readonly bytes: number,
    readonly maxFrameBytes: number,
    /** Whose limit it is: `max_message_size`, or e.g. `the max_message_size of worker w1`. */
    readonly limitName = 'max_message_size',
  ) {
    super(
      `${/^[aeiou]/i.test(messageType) ? 'An' : 'A'} "${messageType}" message needs a ${bytes}-byte frame; the receiver's limit is ${maxFrameBytes} bytes ` +
        `(${limitName}). Send less (e.g. a smaller task output) or raise the limit.`,
    );
  }
}

const DEFAULT_BATCH_BYTES = 64 * 1024;
const DEFAULT_MAX_MESSAGES = 256;
const defaultSchedule = (flush: () => void): void => {
  setImmediate(flush);
};

/**
 * Collects outgoing messages and sends them as few frames as possible: everything pushed in
 * one tick leaves as one batch frame when the scheduled flush runs, or earlier once the frame
 * holds `maxMessages` messages or its byte budget is reached. Every message is encoded once,
 * at `push`; frames are assembled from the encoded parts. A frame of one message is sent as
 * a plain single-message frame. Pure apart from the injected `send` and `schedule`.
 */
export class FrameBatcher<M extends WireMessage = WireMessage> {
  readonly #send: (frame: string) => void;
  readonly #schedule: (flush: () => void) => void;
  readonly #maxFrameBytes: number;
  readonly #limitName: string | undefined;
  readonly #batchBytes: number;
  readonly #maxMessages: number;
  #messages: M[] = [];
  #parts: string[] = [];
  /** Sum of the parts' UTF-8 lengths. */
  #partBytes = 0;
  #scheduled = false;
  readonly #flushLater = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  /** Totals since creation: frames sent, messages in them, frame bytes. */
  readonly stats = { frames: 0, messages: 0, bytes: 0 };

  constructor(options: FrameBatcherOptions) {
    const { maxFrameBytes } = options;
    const batchBytes = options.batchBytes ?? Math.min(maxFrameBytes, DEFAULT_BATCH_BYTES);
    const maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes <= BATCH_OVERHEAD) {
      const min = BATCH_OVERHEAD + 1;
      throw new RangeError(`FrameBatcher maxFrameBytes must be an integer of at least ${min} (got ${maxFrameBytes})`);
    }
    if (!Number.isInteger(batchBytes) || batchBytes < 1 || batchBytes > maxFrameBytes) {
      throw new RangeError(`FrameBatcher batchBytes must be an integer from 1 to maxFrameBytes (got ${batchBytes})`);
    }
    if (!Number.isInteger(maxMessages) || maxMessages < 1) {
      throw new RangeError(`FrameBatcher maxMessages must be a positive integer (got ${maxMessages})`);
    }
    this.#send = options.send;
    this.#schedule = options.schedule ?? defaultSchedule;
    this.#maxFrameBytes = maxFrameBytes;
    this.#limitName = options.limitName;
    this.#batchBytes = batchBytes;
    this.#maxMessages = maxMessages;
  }

  /**
   * Queues a message; may send frames at once (count or byte budget reached). Throws
   * MessageTooLargeError, queueing nothing, when the message alone exceeds maxFrameBytes (and
   * whatever JSON.stringify throws for a value it cannot encode, also queueing nothing).
   */
  push(message: M): void {
    const part = JSON.stringify(message);
    const bytes = utf8Length(part);
    if (bytes + SINGLE_OVERHEAD > this.#maxFrameBytes) {
      throw new MessageTooLargeError(message.type, bytes + SINGLE_OVERHEAD, this.#maxFrameBytes, this.#limitName);
    }
    const n = this.#parts.length;
    if (n > 0 && frameBytes(n + 1, this.#partBytes + bytes) > this.#batchBytes) this.flush();
    this.#messages.push(message);
    this.#parts.push(part);
    this.#partBytes += bytes;
    if (this.#parts.length >= this.#maxMessages || this.pendingBytes >= this.#batchBytes) {
      this.flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      this.#schedule(this.#flushLater);
    }
  }

  /** Sends what is pending now, as one frame (nothing when nothing is pending). */
  flush(): void {
    if (this.#parts.length === 0) return;
    const parts = this.#parts;
    const count = parts.length;
    const bytes = this.pendingBytes;
    // Reset before sending, so a send that throws or re-enters leaves the batcher consistent.
    this.#messages = [];
    this.#parts = [];
    this.#partBytes = 0;
    const frame = frameOfEncoded(parts);
    this.stats.frames++;
    this.stats.messages += count;
    this.stats.bytes += bytes;
    this.#send(frame);
  }

  /** Drops what is pending (the socket closed) and returns it, e.g. to send again after a reconnect. */
  clear(): M[] {
    const messages = this.#messages;
    this.#messages = [];
    this.#parts = [];
    this.#partBytes = 0;
    return messages;
  }

  /** Messages waiting for the next frame. */
  get pendingCount(): number {
    return this.#parts.length;
  }

  /** Size in bytes of the frame that would be sent now (0 when nothing is pending). */
  get pendingBytes(): number {
    return frameBytes(this.#parts.length, this.#partBytes);
  }
}

/** Bytes of a frame of `count` encoded messages totalling `partBytes`. */
function frameBytes(count: number, partBytes: number): number {
  if (count === 0) return 0;
  if (count === 1) return partBytes + SINGLE_OVERHEAD;
  return partBytes + BATCH_OVERHEAD + (count - 1);
}
