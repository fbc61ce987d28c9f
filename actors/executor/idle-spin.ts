import { availableParallelism } from 'node:os';

/**
 * A short busy wait of an idle worker thread for its next message, when the next one tends to
 * come soon (a chain of tasks: the main thread commits the last outcome, then sends the next
 * request, ~100–150 µs later).
 *
 * Why: a thread that has gone to sleep in its event loop must be woken by the kernel, which on
 * a virtual machine means an interrupt between virtual CPUs. Measured between two Bun threads on
 * the project's 2-core VM (a 60 µs main-thread step, then a post): the post costs the main thread
 * 11 µs and the round trip takes 55–68 µs to a sleeping thread, against 2–3 µs and 28–38 µs to
 * one still awake. So a thread that has just reported and holds nothing watches, for at most
 * SPIN_LIMIT_MS, a counter the main thread bumps after each post, and goes back to its event loop
 * as soon as a message is on its way (the message is then handled at once).
 *
 * It spins only while spinning pays: when the last idle gap (from going idle to the next
 * message) was shorter than the limit. A thread fed sparsely measures long gaps and sleeps at
 * once; a busy one (a flat run) is never idle, so never spins. And only while it alone holds
 * work (PostCounter.maySpin): on 2 cores, a second spinning thread would take the main
 * thread's core. And it stops early if the main thread has not picked up the thread's last
 * report (UNSEEN_REPORT_MS).
 *
 * The spin only watches the counter and leaves the message to the event loop. (An earlier try
 * polled the port itself with receiveMessageOnPort, then reported from inside the poll; the
 * report's hop grew a long tail and chains did not speed up.) In the swarm's 3,000-step chain,
 * eight interleaved pairs: 172–205 µs/step against 183–236 without, main-thread CPU 110–141 µs
 * against 134–164; with the early stop, 163–199 against 176–222.
 */
export const SPIN_LIMIT_MS = 0.25;

/** Checks of the clock are this many loads of the counter apart (a load is ~1 ns, a clock read ~30). */
const LOADS_PER_CLOCK_READ = 64;

/**
 * How long a spin goes on while the main thread has not picked up the thread's last report.
 * The woken main thread may have been queued on this very core, behind the spin: without this
 * check, 5–10% of a chain's reports reached the main thread ~250 µs late, just after the spin
 * ended. The main thread picks a report up in ~10–25 µs when it has a core, but a sleeping one
 * often takes longer to wake: at 40 µs most spins gave up (2,000-step chains: 56–680 of 2,200
 * steps caught), and each post then woke a sleeping thread (~40 µs of the main thread's step).
 * 2,000-step chains, interleaved, 40 µs against 100 µs: medians 204 / 171 µs/step (nine pairs,
 * 120 µs) and 217 / 190 (seven pairs, 100 µs); 80 and 250 µs fell between.
 */
export const UNSEEN_REPORT_MS = 0.1;

/**
 * Spins are judged in windows of this many: one that catches fewer than SPINS_TO_CATCH of
 * them makes the thread sleep at once for its next COOLDOWN_IDLES idle periods, then try
 * again. A spin that catches nothing costs the CPU and, on a loaded machine, the main thread's
 * core. 3,000-step chains on the 2-core machine, interleaved, no spin / spin without this /
 * with it: quiet, 178–223 / 168–185 / 156–182 µs/step; with a busy loop in another process,
 * 156–186 / 182–218 / 169–182 (a loaded machine wakes threads faster: its cores never halt).
 */
export const SPIN_WINDOW = 16;
export const SPINS_TO_CATCH = 8;
export const COOLDOWN_IDLES = 256;

/**
 * Whether this machine has a core to spin on: with one, the spinning thread holds the core the
 * main thread needs to send it anything.
 */
export const CORES_TO_SPIN = 2;
export function machineCanSpin(): boolean {
  return availableParallelism() >= CORES_TO_SPIN;
}

/** Slots of the shared buffer. */
const POSTED = 0;
const MAY_SPIN = 1;
/** How many of the thread's reports the main thread has picked up. */
const SEEN = 2;
/** Spins that caught the next message, and those that gave up (for the node's stats). */
const CAUGHT = 3;
const GAVE_UP = 4;

/** How an idle thread's spins went. */
export interface SpinStats {
  caught: number;
  gaveUp: number;
}

/** The main thread's side: counts the messages it posted to one thread, and says whether it may spin. */
export class PostCounter {
  readonly buffer = new SharedArrayBuffer(20);
  private readonly slots = new Int32Array(this.buffer);

  /** After each post: the message is queued on the thread's port by then. */
  bump(): void {
    Atomics.add(this.slots, POSTED, 1);
  }

  /** The main thread has a report of the thread's in hand. */
  seen(): void {
    Atomics.add(this.slots, SEEN, 1);
  }

  /**
   * Whether the thread may spin when it next goes idle. Only a thread that alone holds work
   * should: the next message then comes to it, and no other thread of the node needs the CPU
   * it would burn (with 2 cores, the main thread and one spinning thread already fill them).
   */
  maySpin(allowed: boolean): void {
    Atomics.store(this.slots, MAY_SPIN, allowed ? 1 : 0);
  }

  stats(): SpinStats {
    return { caught: Atomics.load(this.slots, CAUGHT), gaveUp: Atomics.load(this.slots, GAVE_UP) };
  }
}

/** The thread's side: counts the messages it received, and spins while idle if that pays. */
export class IdleSpin {
  private readonly slots: Int32Array;
  private received = 0;
  private reports = 0;
  private idleSince: number | null = null;
  private pays = false;
  private spinsInWindow = 0;
  private caughtInWindow = 0;
  private cooldown = 0;

  constructor(
    buffer: SharedArrayBuffer,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.slots = new Int32Array(buffer);
  }

  /** The thread posted a report (counted, to know whether the main thread has picked it up). */
  reported(): void {
    this.reports++;
  }

  /** A message arrived: counts it, and learns from the gap since the thread went idle. */
  onMessage(): void {
    this.received++;
    if (this.idleSince === null) return;
    this.pays = this.now() - this.idleSince <= SPIN_LIMIT_MS;
    this.idleSince = null;
  }

  /** The thread has nothing to run or report: waits here briefly for a message, if that pays. */
  idle(): void {
    const since = this.now();
    this.idleSince = since;
    if (this.cooldown > 0) {
      this.cooldown--;
      return;
    }
    if (!this.pays || Atomics.load(this.slots, MAY_SPIN) === 0) return;
    this.judge(this.spin(since));
  }

  /** Whether a message came before the spin gave up. */
  private spin(since: number): boolean {
    // Int32 wrap-around: compare the difference, not the values.
    for (let loads = 1; ((Atomics.load(this.slots, POSTED) - this.received) | 0) <= 0; loads++) {
      if (loads % LOADS_PER_CLOCK_READ !== 0) continue;
      const spun = this.now() - since;
      if (spun > SPIN_LIMIT_MS) return false;
      if (spun > UNSEEN_REPORT_MS && ((Atomics.load(this.slots, SEEN) - this.reports) | 0) < 0) return false;
    }
    return true;
  }

  private judge(caught: boolean): void {
    Atomics.add(this.slots, caught ? CAUGHT : GAVE_UP, 1);
    if (caught) this.caughtInWindow++;
    if (++this.spinsInWindow < SPIN_WINDOW) return;
    if (this.caughtInWindow < SPINS_TO_CATCH) this.cooldown = COOLDOWN_IDLES;
    this.spinsInWindow = 0;
    this.caughtInWindow = 0;
  }
}
