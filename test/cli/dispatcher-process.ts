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
 * Reads a child's output stream until `complete` holds for what was read, and returns that;
 * if the stream ends first, throws what `ended` makes. The stream is free again after (its
 * reader released), for whoever reads the rest. Unbounded: callers bound it (`within`, or
 * their test's timeout).
 */
export async function readUntil(
  stream: ReadableStream<Uint8Array>,
  complete: (text: string) => boolean,
  ended: (text: string) => Promise<Error>,
): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (!complete(text)) {
      const { done, value } = await reader.read();
      if (done) throw await ended(text);
      text += decoder.decode(value, { stream: true });
    }
    return text;
  } finally {
    reader.releaseLock();
  }
}

/** The first line of a child's stdout (its `--json` listening line), within 20 s. */
export async function firstLine(child: { stdout: ReadableStream<Uint8Array>; exited: Promise<number> }, name: string, stderr: () => string | Promise<string> = () => ''): Promise<string> {
  const read = readUntil(
    child.stdout,
    (text) => text.includes('\n'),
    async () => new Error(`${name} exited before listening (code ${await child.exited}):\n${await stderr()}`),
  );
  const text = await within(read, 20_000, `${name} --json line`);
  return text.slice(0, text.indexOf('\n'));
}

/**
 * The first stdout line of a `start-dispatcher --json` child, `{"url", "port"}` (or, if the
 * child dies first, an error quoting `stderr`), within 20 s.
 */
export async function listeningLine(
  child: { stdout: ReadableStream<Uint8Array>; exited: Promise<number> },
  stderr: () => string | Promise<string>,
): Promise<{ url: string; port: number }> {
  return JSON.parse(await firstLine(child, 'start-dispatcher', stderr)) as { url: string; port: number };
}

/** A port on 127.0.0.1 that nothing listens on (taken, then released). */
export function freePort(): number {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}
