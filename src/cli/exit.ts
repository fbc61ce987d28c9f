import { killDescendantsNow } from '../../actors/backends/stragglers.ts';
import { terminalText } from '../terminal-text.ts';
import { colourOn } from './colour.ts';

/**
 * How the CLI ends: every command returns an exit code, and `exitWith` is the one way out. It
 * runs the cleanups commands registered (stop the dispatcher, close the store), flushes the
 * logger, waits until stdout and stderr have taken everything written to them (a pipe that is
 * read slowly would otherwise lose the tail of a large --json document) and exits. The explicit
 * `process.exit` means nothing left behind (a timer, a socket) can keep the process alive.
 */

type Cleanup = () => unknown;

const cleanups: Cleanup[] = [];

/**
 * Flushes the log before exit; set by whoever configured the logger (loadCliConfig). Not an
 * import of the logger here: a command that logs nothing (`--help`, `validate`) should not
 * pay for loading it.
 */
let flushLog: () => void = () => {};

export function onExitFlushLog(flush: () => void): void {
  flushLog = flush;
}

/** How long one cleanup may take before the CLI gives up on it and exits anyway. */
const CLEANUP_TIMEOUT_MS = 60_000;

/** Registers work to do before exiting; cleanups run newest first. Returns an unregister function. */
export function onExit(cleanup: Cleanup): () => void {
  cleanups.push(cleanup);
  return () => {
    const i = cleanups.indexOf(cleanup);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Writes to a stream and resolves once the stream has accepted the bytes. */
export function write(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    stream.write(text, () => resolve());
  });
}

/** Prints text (a newline is added) on stdout. */
export function out(text: string): Promise<void> {
  return write(process.stdout, terminalText(text.endsWith('\n') ? text : text + '\n', colourOn(process.env, process.stdout)));
}

/** Prints text (a newline is added) on stderr. */
export function err(text: string): Promise<void> {
  return write(process.stderr, terminalText(text.endsWith('\n') ? text : text + '\n', colourOn(process.env, process.stderr)));
}

async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(cleanup),
        new Promise((resolve) => (timer = setTimeout(resolve, CLEANUP_TIMEOUT_MS))),
      ]);
    } catch (error) {
      process.stderr.write(`swarm: cleanup failed: ${error instanceof Error ? error.message : String(error)}\n`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * After the cleanups every backend process and warm engine has ended: what still runs below
 * this process was started by a module (in the swarm's own process, so nothing times it out)
 * or escaped its backend. It would outlive the swarm as an orphan; it is ended, and named.
 */
function endLeftProcesses(): void {
  let left: { pid: number; comm: string }[];
  try {
    left = killDescendantsNow();
  } catch {
    return; // Best effort: /proc unreadable.
  }
  if (left.length === 0) return;
  const named = left.map((p) => `${p.pid} (${p.comm})`).join(', ');
  process.stderr.write(
    terminalText(`swarm: ended ${left.length} process${left.length === 1 ? '' : 'es'} left running by a module or backend: ${named}; a module must end what it starts\n`, false),
  );
}

let exiting: Promise<never> | undefined;

/** Cleans up, flushes and exits with `code`. Calling it again while exiting keeps the first call's code. */
export function exitWith(code: number): Promise<never> {
  exiting ??= (async () => {
    await runCleanups();
    endLeftProcesses();
    try {
      flushLog();
    } catch {
      // Nothing left to report it to.
    }
    await write(process.stdout, '');
    await write(process.stderr, '');
    process.exit(code);
  })();
  return exiting;
}

/**
 * Exits now, skipping the registered cleanups (a second Ctrl-C): ends the processes this one
 * started (backends, warm engines), flushes the logger and runs `last` (a best-effort store
 * close) synchronously first.
 */
export function exitNow(code: number, last?: () => void): never {
  try {
    killDescendantsNow();
  } catch {
    // Best effort: /proc unreadable.
  }
  try {
    last?.();
  } catch {
    // Best effort: the process is going away.
  }
  try {
    flushLog();
  } catch {
    // Same.
  }
  process.exit(code);
}
