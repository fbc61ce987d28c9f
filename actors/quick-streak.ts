/**
 * Holding work ahead. A node may take more requests than it runs at once, so the next one is
 * already where it runs when a slot frees (a worker thread, a remote worker), instead of a
 * round trip through the busy main thread or the network later. That only pays while requests
 * are quick: behind a slow one, a held request would wait while another node or thread has
 * room, or run after work of lower priority that became ready later. So a node holds ahead
 * only after a streak of quick requests (each ended in the same report or frame that said it
 * started), and one slower request ends the streak.
 */
export class QuickStreak {
  /** How many times its slots a worker thread may hold while the streak lasts. */
  static readonly HELD_PER_SLOT = 16;
  /** Quick requests in a row before holding starts. */
  static readonly QUICK_BEFORE_HOLDING = 32;

  private count = 0;

  /** `heldPerSlot`: how many times its slots the node may hold while the streak lasts. */
  constructor(readonly heldPerSlot: number = QuickStreak.HELD_PER_SLOT) {}

  get holding(): boolean {
    return this.count >= QuickStreak.QUICK_BEFORE_HOLDING;
  }

  /** How many requests `slots` slots may hold now. */
  limit(slots: number): number {
    return this.holding ? slots * this.heldPerSlot : slots;
  }

  quick(): void {
    this.count++;
  }

  /** A request outlasted the report or frame it started in; returns whether the node was holding. */
  slow(): boolean {
    const was = this.holding;
    this.count = 0;
    return was;
  }
}

/**
 * The streak as a remote worker's frames show it: an attempt whose `started` and outcome came
 * in the same loop turn of the dispatcher was quick; one still running at the end of the turn
 * its `started` came in outlasted the worker's turn, which ends the streak. The end of the
 * loop turn (`setImmediate`), not of the frame: a worker's turn can fill more than one frame
 * (a frame leaves once it holds 256 messages), split between a `started` and its outcome, and
 * frames sent together are read in the same turn.
 */
export class FrameStreak extends QuickStreak {
  /**
   * A remote worker holds more than a thread: what it holds must cover a network round trip
   * (frames, the worker's event loop, its threads), not a thread's wake-up. One worker process
   * of 2 threads, 8 slots, over loopback (`bun bench/remote-scenario.ts remote-flat`): holding
   * 4, 8 and 16 times its slots did 11.7–15.7k, 14.0–16.4k and 16.5–17.3k tasks/s. 8, not 16,
   * for a worker that cannot give back (one from before `withdraw`): what it holds when a
   * request turns slow stays queued on it behind that request.
   */
  static readonly REMOTE_HELD_PER_SLOT = 8;
  /**
   * A worker that gives back what it has not started (`withdraw`) holds twice that: when the
   * work turns slow, what it holds ahead goes back to the dispatcher, so nothing waits behind
   * the slow request. The same bench: 8 and 16 times did 12.6–13.9k and 15.0–18.8k tasks/s.
   */
  static readonly WITHDRAWABLE_HELD_PER_SLOT = 16;

  private readonly startedThisTurn = new Set<string>();

  /**
   * `running(key)`: whether the attempt is still out (no outcome yet). `withdrawable`: the
   * worker gives back when asked; `onSlow` is called when a streak it held ahead on ends.
   */
  constructor(
    private readonly running: (key: string) => boolean,
    withdrawable = false,
    private readonly onSlow: () => void = () => {},
  ) {
    super(withdrawable ? FrameStreak.WITHDRAWABLE_HELD_PER_SLOT : FrameStreak.REMOTE_HELD_PER_SLOT);
  }

  started(key: string): void {
    if (this.startedThisTurn.size === 0) {
      setImmediate(() => {
        for (const k of this.startedThisTurn) {
          if (this.running(k)) {
            if (this.slow()) this.onSlow();
            break;
          }
        }
        this.startedThisTurn.clear();
      });
    }
    this.startedThisTurn.add(key);
  }

  ended(key: string): void {
    if (this.startedThisTurn.has(key)) this.quick();
  }
}
