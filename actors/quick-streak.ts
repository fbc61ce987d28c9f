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
 * The streak as a remote worker's frames show it. A frame's messages are read in one go, so a
 * microtask runs after the last of them: an attempt whose `started` and outcome came in the
 * same frame was quick; one still running when its `started` frame ends outlasted the
 * worker's turn, which ends the streak.
 */
export class FrameStreak extends QuickStreak {
  /**
   * A remote worker holds more than a thread: what it holds must cover a network round trip
   * (frames, the worker's event loop, its threads), not a thread's wake-up. One worker process
   * of 2 threads, 8 slots, over loopback (`bun bench/remote-scenario.ts remote-flat`): holding
   * 4, 8 and 16 times its slots did 11.7–15.7k, 14.0–16.4k and 16.5–17.3k tasks/s. 8, not 16:
   * what is held when a request turns slow stays queued on that worker behind it.
   */
  static readonly REMOTE_HELD_PER_SLOT = 8;

  private readonly startedInFrame = new Set<string>();

  /** `running(key)`: whether the attempt is still out (no outcome yet). */
  constructor(private readonly running: (key: string) => boolean) {
    super(FrameStreak.REMOTE_HELD_PER_SLOT);
  }

  started(key: string): void {
    if (this.startedInFrame.size === 0) {
      queueMicrotask(() => {
        for (const k of this.startedInFrame) {
          if (this.running(k)) {
            this.slow();
            break;
          }
        }
        this.startedInFrame.clear();
      });
    }
    this.startedInFrame.add(key);
  }

  ended(key: string): void {
    if (this.startedInFrame.has(key)) this.quick();
  }
}
