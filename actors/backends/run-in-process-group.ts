import { CappedOutput, type CapturedOutput } from './capped-output.ts';
import { settlesWithin } from '../../src/clock.ts';
import { signalGroup, terminateGroup } from './process-group.ts';
import { ATTEMPT_MARKER, endStragglers, liveLeaders, startTicks } from './stragglers.ts';
import { becomeSubreaper } from './subreaper.ts';

/** One process to run to the end, bounded in time and output. */
export interface GroupRunOptions {
  file: string;
  args: string[];
  /** The child's environment (nothing is inherited implicitly), plus ATTEMPT_MARKER. */
  env: Record<string, string>;
  /** Written to the child's stdin, which is then closed. */
  stdin: Uint8Array;
  timeoutMs: number;
  /** Aborting it ends the run like a timeout, reported as `aborted`. */
  signal: AbortSignal;
  /**
   * The cap on stdout and on stderr, each. Stdout past it ends the run at once (`stdout-too-large`):
   * the output is already lost, and a backend that prints for ever would otherwise run to its
   * timeout. Stderr past it is read and dropped.
   */
  maxOutputBytes: number;
  /** How long the group gets between SIGTERM and SIGKILL. */
  killGraceMs: number;
}

export type GroupRunResult =
  /** The OS refused to start it (ENOENT, EACCES, E2BIG…); nothing ran. */
  | { started: false; error: NodeJS.ErrnoException }
  | {
      started: true;
      /** `exited`: on its own; `timeout` / `aborted` / `stdout-too-large`: the group was killed. */
      ended: RunEnd;
      exitCode: number | null;
      signalCode: string | null;
      stdout: CapturedOutput;
      stderr: CapturedOutput;
    };

/**
 * Runs `file args` without a shell as the leader of a new process group and session
 * (Bun.spawn's `detached` is setsid), so that the whole tree can be signalled at once. It
 * resolves only when the child is reaped and its group was told to end, and never throws.
 *
 * Processes of the group still running after the leader exits are orphans of this attempt and
 * are ended too, and so are those that left the group (setsid), found by the attempt's marker
 * and, this process being a subreaper, as our re-parented children (stragglers.ts).
 */
export async function runInProcessGroup(options: GroupRunOptions): Promise<GroupRunResult> {
  const { signal, maxOutputBytes, killGraceMs } = options;
  if (signal.aborted) {
    return { started: true, ended: 'aborted', exitCode: null, signalCode: null, ...nothingRead(maxOutputBytes) };
  }
  becomeSubreaper();
  const marker = crypto.randomUUID();
  let child: Bun.Subprocess<Uint8Array, 'pipe', 'pipe'>;
  try {
    child = Bun.spawn({
      cmd: [options.file, ...options.args],
      env: { ...options.env, [ATTEMPT_MARKER]: marker },
      // A buffer, not a pipe we write to: Bun writes it and closes stdin, and a child that
      // exits without reading it (EPIPE) does not surface as an error of ours.
      stdin: options.stdin,
      stdout: 'pipe',
      stderr: 'pipe',
      detached: true,
    });
  } catch (err) {
    return { started: false, error: err as NodeJS.ErrnoException };
  }
  liveLeaders.add(child.pid);
  const since = startTicks(child.pid);
  // Bun reaps the leader; from then on, whatever still carries the marker is a straggler.
  const stragglersEnded = child.exited.then(() => {
    liveLeaders.delete(child.pid);
    return endStragglers(marker, killGraceMs, since);
  });
  const stdoutFull = Promise.withResolvers<void>();
  const stdout = new CappedOutput(child.stdout, maxOutputBytes, stdoutFull.resolve);
  const stderr = new CappedOutput(child.stderr, maxOutputBytes);
  const ended = await firstEnd(child.exited, stdoutFull.promise, options.timeoutMs, signal);

  const settled = Promise.all([child.exited, stdout.done, stderr.done]);
  const pgid = child.pid;
  const pipesClosed =
    ended !== 'exited' || signalGroup(pgid, 0)
      ? await terminateGroup(pgid, settled, killGraceMs)
      : await settlesWithin(settled, killGraceMs);
  // A pipe still open now is held by a process that left the group (its own setsid); stop
  // reading rather than wait for it.
  if (!pipesClosed) {
    stdout.stop();
    stderr.stop();
  }
  await settlesWithin(child.exited, killGraceMs);
  // Bounded by endStragglers' own rounds; a leader that never exits leaves it unstarted.
  await settlesWithin(stragglersEnded, 7 * killGraceMs);
  return {
    started: true,
    ended,
    exitCode: child.exitCode,
    signalCode: child.signalCode === null ? null : String(child.signalCode),
    stdout: stdout.result(),
    stderr: stderr.result(),
  };
}

const MAX_TIMER_MS = 2_147_483_647;

type RunEnd = 'exited' | 'timeout' | 'aborted' | 'stdout-too-large';

/**
 * Which comes first: the child's exit, stdout past its cap, the timeout or the abort. Listeners
 * are removed after.
 */
function firstEnd(
  exited: Promise<unknown>,
  stdoutOverflowed: Promise<void>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<RunEnd> {
  return new Promise((resolve) => {
    const finish = (how: RunEnd) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(how);
    };
    const onAbort = () => finish('aborted');
    // Timers take at most 2^31-1 ms; a larger delay would fire at once.
    const timer = setTimeout(() => finish('timeout'), Math.min(timeoutMs, MAX_TIMER_MS));
    signal.addEventListener('abort', onAbort, { once: true });
    exited.then(() => finish('exited'));
    stdoutOverflowed.then(() => finish('stdout-too-large'));
  });
}

function nothingRead(limit: number): { stdout: CapturedOutput; stderr: CapturedOutput } {
  const empty = (): CapturedOutput => ({ bytes: new Uint8Array(0), totalBytes: 0, truncated: false, limit });
  return { stdout: empty(), stderr: empty() };
}
