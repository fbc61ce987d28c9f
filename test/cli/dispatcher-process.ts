import { spawnCli } from './helpers.ts';

/**
 * `swarm start-dispatcher` as a child process on 127.0.0.1, port 0. Its `--json` line on
 * stdout says which port it got. Every test file calls `afterEach(killDispatchers)`, so a
 * failing test never leaves a dispatcher (and its threads) behind.
 */

export interface DispatcherProcess {
  url: string;
  port: number;
  child: ReturnType<typeof spawnCli>;
  /** Everything written on stderr so far. */
  stderr(): string;
  /** Sends `signal` and waits (bounded) for the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number>;
}

const children = new Set<ReturnType<typeof spawnCli>>();

/** Kills (SIGKILL) every dispatcher child still running. */
export async function killDispatchers(): Promise<void> {
  for (const child of [...children]) {
    if (child.exitCode === null) child.kill('SIGKILL');
    await child.exited;
    children.delete(child);
  }
}

/** Resolves with `promise`, or rejects after `ms` with `what` in the message. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function startDispatcher(config: string, args: string[] = [], env: Record<string, string> = {}): Promise<DispatcherProcess> {
  const child = spawnCli(['start-dispatcher', '--port', '0', '--json', ...args], config, env);
  children.add(child);
  let stderr = '';
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();
  const { url, port } = await listeningLine(child, () => stderr);
  return {
    url,
    port,
    child,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      child.kill(signal);
      return within(child.exited, timeoutMs, `dispatcher exit after ${signal}`);
    },
  };
}

/**
 * The first stdout line of a `start-dispatcher --json` child, `{"url", "port"}`: read until it
 * is complete (or the child dies, when the error quotes `stderr`), within 20 s.
 */
export async function listeningLine(
  child: { stdout: ReadableStream<Uint8Array>; exited: Promise<number> },
  stderr: () => string | Promise<string>,
): Promise<{ url: string; port: number }> {
  const reader = child.stdout.getReader();
  const firstLine = (async () => {
    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes('\n')) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`start-dispatcher exited before listening (code ${await child.exited}):\n${await stderr()}`);
      text += decoder.decode(value, { stream: true });
    }
    return text.slice(0, text.indexOf('\n'));
  })();
  try {
    return JSON.parse(await within(firstLine, 20_000, 'start-dispatcher --json line')) as { url: string; port: number };
  } finally {
    reader.releaseLock();
  }
}

/** A port on 127.0.0.1 that nothing listens on (taken, then released). */
export function freePort(): number {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}
