import { readFileSync } from 'node:fs';
import { hasExited, procStat, type ProcStat } from '../proc-stat.ts';

/**
 * Ctrl-C during a long command: the first SIGINT, SIGTERM or SIGHUP asks for a graceful end (`first`),
 * a second one means "now" (`second`, which should exit). Handlers stay installed until the
 * process exits, so a signal that arrives while the command is already cleaning up still
 * counts as the second one.
 *
 * One Ctrl-C can arrive twice: the terminal sends SIGINT to the whole foreground process group,
 * and a wrapper in that group (`npm run swarm`) forwards its own copy to the CLI as well. So
 * under such a wrapper, one repeat of the same signal within SAME_PRESS_MS of the first counts
 * as that first one; a person pressing Ctrl-C again to mean "now" does it later than that.
 * The time is when the handler runs, not when the signal came (the runtime does not say): two
 * presses while the event loop is busy arrive together, so only a copy a wrapper would send is
 * taken for the same press, and without a wrapper every repeat is the second.
 */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

export interface SignalHandlers {
  first(signal: StopSignal): void;
  second(signal: StopSignal): void;
}

/** Where signals come from, and the clock that tells a duplicate from a second press. */
export interface SignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
  now(): number;
  /** How many copies of one press arrive: 2 under a wrapper that forwards signals, else 1. */
  copiesPerPress: number;
  /** Calls `listener` once when the wrapper that started this process is gone (see launcherGone); absent: never. */
  onLauncherGone?(listener: () => void): void;
  /** Where a line for the person at the terminal goes. */
  notice?(line: string): void;
}

/** A repeat of the first signal sooner than this is the same press, delivered twice. */
export const SAME_PRESS_MS = 300;

/**
 * npm, npx, yarn, pnpm and `bun run` set these for the scripts they start; npm forwards the
 * signals it gets to its child. Inherited by anything such a script starts, which at worst
 * reads two quick presses as one (a third press still counts).
 */
const underForwardingWrapper = () => process.env.npm_lifecycle_event !== undefined || process.env.npm_execpath !== undefined;

/** How often the process looks whether its parent is still the one that started it. */
const LAUNCHER_POLL_MS = 1_000;

/**
 * `npx swarm …` runs the CLI under a shell of npm's (`npm exec` → `sh -c swarm` → Bun), and a
 * SIGTERM to npm (what a supervisor sends to the process it started) kills npm and that shell
 * but never reaches the CLI: a dispatcher went on serving, re-parented to init, with its port
 * taken. So under such a wrapper the CLI watches its parent, and once it has changed (the
 * shell or npm is gone) stops as on SIGTERM. Only under a wrapper: a dispatcher started by
 * hand with `nohup … &` or `disown` outlives its shell on purpose.
 *
 * Its parent alone is not enough: npm killed with SIGKILL (a supervisor's escalation, the OOM
 * killer) leaves its `sh -c` alive, waiting for the CLI, so the parent never changes. So the
 * CLI also watches the launcher itself, the process above npm's shell (see LAUNCHER).
 */
function launcherGone(listener: () => void): void {
  if (!underForwardingWrapper() || detachedOnPurpose()) return;
  const poll = setInterval(() => {
    if (process.ppid === STARTED_BY && (LAUNCHER === null || isAlive(LAUNCHER))) return;
    clearInterval(poll);
    listener();
  }, LAUNCHER_POLL_MS);
  poll.unref();
}

/**
 * The parent when this module was first loaded, which the CLI does before it reads a config or
 * a manifest: a wrapper killed while those are read must still be seen as gone.
 */
const STARTED_BY = process.ppid;

/** Whether `proc` is still running: there, not exited, and not another process with its pid since. */
function isAlive(proc: ProcStat): boolean {
  const now = procStat(proc.pid);
  return now !== null && now.startTicks === proc.startTicks && !hasExited(now);
}

/** The shells a wrapper runs a script with (npm's script-shell, yarn, pnpm, bun run: `sh -c`). */
const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'ksh', 'mksh', 'busybox']);
/** The most `sh -c` walked through between the CLI and its launcher (a script's command line may start one more shell). */
const MAX_SHELLS = 4;

/**
 * The wrapper above the CLI's shell: walking up from the parent while it is a shell running a
 * command (`sh -c …`), the first process that is not one (npm, npx, yarn, pnpm, bun). Null
 * when the parent is no such shell (the parent is the launcher, watched already), or when it
 * cannot be told (no /proc). Read once, as the CLI starts: npm's shell outlives npm, not the
 * other way round.
 */
function launcherAbove(parent: number): ProcStat | null {
  let shells = 0;
  let at = procStat(parent);
  while (at !== null && shells < MAX_SHELLS && runsACommand(at)) {
    shells++;
    at = at.ppid > 0 ? procStat(at.ppid) : null;
  }
  return shells > 0 && at !== null && !runsACommand(at) ? at : null;
}

/** Whether `proc` is a shell given a command line to run (`sh -c …`), as wrappers start scripts. */
function runsACommand(proc: ProcStat): boolean {
  if (!SHELLS.has(proc.comm)) return false;
  try {
    return readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0')[1] === '-c';
  } catch {
    return false;
  }
}

/** The launcher the CLI watches besides its parent (see launcherGone); looked for only under a wrapper. */
const LAUNCHER = underForwardingWrapper() ? launcherAbove(STARTED_BY) : null;

/**
 * Whether the CLI was started to outlive whoever started it, also from an npm script: with
 * `setsid`, which makes it lead a session of its own. Linux only (/proc).
 */
function detachedOnPurpose(): boolean {
  return procStat('self')?.session === process.pid;
}

const PROCESS_SIGNALS: SignalSource = {
  on: (signal, listener) => process.on(signal, listener),
  now: () => performance.now(),
  copiesPerPress: underForwardingWrapper() ? 2 : 1,
  onLauncherGone: launcherGone,
  notice: (line) => void process.stderr.write(`${line}\n`),
};

export function onStopSignals(handlers: SignalHandlers, source: SignalSource = PROCESS_SIGNALS): void {
  let first: { signal: StopSignal; at: number; copies: number } | null = null;
  let seconds = 0;
  const handle = (signal: StopSignal) => {
    const at = source.now();
    if (first === null) {
      first = { signal, at, copies: 1 };
      handlers.first(signal);
      return;
    }
    if (seconds === 0 && signal === first.signal && at - first.at < SAME_PRESS_MS && first.copies < source.copiesPerPress) {
      first.copies++;
      return;
    }
    seconds++;
    handlers.second(signal);
  };
  source.on('SIGINT', () => handle('SIGINT'));
  source.on('SIGTERM', () => handle('SIGTERM'));
  // A closed terminal or SSH session: its default action killed the process at once, its
  // run unsaved and its backends' processes orphaned; it stops as on SIGTERM instead.
  source.on('SIGHUP', () => handle('SIGHUP'));
  source.onLauncherGone?.(() => {
    // Already stopping (npm forwarded its signal, then exited): not a second signal.
    if (first !== null) return;
    source.notice?.('swarm: the npm process that started this one has exited; stopping as on SIGTERM.');
    handle('SIGTERM');
  });
}
