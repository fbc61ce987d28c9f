import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root: the CLI runs from here, as `bun run swarm` would. */
export const ROOT = resolve(import.meta.dir, '../..');
const BIN = 'src/cli/bin.ts';

/** Generous: every CLI call here finishes in well under a few seconds. */
export const TIMEOUT = 30_000;

const made: string[] = [];

/**
 * Removes the temp directories made so far. Every test file registers it with
 * `afterEach(removeTempDirs)` itself: a hook registered here, at import, would only apply to
 * the first test file that imports this module (bun evaluates it once per process).
 */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A fresh temp directory (removed after the test) holding `config.toml`: no log file (so no
 * swarm.log lands in the repository), two worker threads, short retry backoff, plus extra lines
 * for the [dispatcher] and [coordinator] sections. Every CLI call of the test gets it through
 * SWARM_CONFIG, so the repository's own swarm-config.toml is never read.
 */
export function sandbox(extra: { dispatcher?: string; coordinator?: string } = {}): { dir: string; config: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-cli-test-'));
  made.push(dir);
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    [
      '[logging]',
      'file = ""',
      '',
      '[dispatcher]',
      'local_workers = 2',
      extra.dispatcher ?? '',
      '',
      '[coordinator]',
      'retry_backoff_base = 20',
      'retry_backoff_max = 100',
      extra.coordinator ?? '',
      '',
    ].join('\n'),
  );
  return { dir, config, db: join(dir, 'state.db') };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function spawnCli(args: string[], config: string | undefined, env: Record<string, string> = {}) {
  // This process's own config and token never leak in; a test's `env` may set them.
  const { SWARM_CONFIG: _config, SWARM_AUTH_TOKEN: _token, ...outer } = process.env;
  const base: Record<string, string | undefined> = { ...outer, ...env };
  if (config !== undefined) base.SWARM_CONFIG = config;
  return Bun.spawn([process.execPath, BIN, ...args], {
    cwd: ROOT,
    env: base,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
}

/** Runs `swarm …args` to the end; `config` is passed as SWARM_CONFIG. */
export async function swarm(args: string[], config?: string, env?: Record<string, string>): Promise<CliResult> {
  const child = spawnCli(args, config, env);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

/** Runs `swarm …args --json` and parses its stdout, which must be exactly one JSON document. */
export async function swarmJson<T = any>(args: string[], config?: string): Promise<CliResult & { json: T }> {
  const result = await swarm([...args, '--json'], config);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return { ...result, json };
}

/**
 * Starts `swarm …args` in the background. `waitForStderr(text)` resolves once the child has
 * written `text` on stderr; `finish()` collects the rest once it has exited.
 */
export function startSwarm(args: string[], config?: string) {
  const child = spawnCli(args, config);
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
      for (const w of waiters.splice(0)) {
        if (stderr.includes(w.text)) w.resolve();
        else waiters.push(w);
      }
    }
  })();
  const stdout = new Response(child.stdout).text();
  return {
    child,
    waitForStderr(text: string): Promise<void> {
      if (stderr.includes(text)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ text, resolve }));
    },
    async finish(): Promise<CliResult> {
      const code = await child.exited;
      await reading;
      return { code, stdout: await stdout, stderr };
    },
  };
}

/** Kills (SIGKILL) and waits for each of `children` a test started, and empties the list (for afterEach). */
export async function killChildren(children: ReturnType<typeof spawnCli>[]): Promise<void> {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
    await child.exited;
  }
}

/** Writes a manifest file into `dir` and returns its path. */
export function writeManifest(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/**
 * The newest run's id once its task `task` runs: the moment a test stops or kills the process
 * hosting it. `where` follows each command (`--db`, a config); `config` goes as SWARM_CONFIG.
 */
export async function newestRunOnceRunning(task: string, where: readonly string[], config?: string): Promise<string> {
  return until(`${task} to run`, async () => {
    const run = (await swarmJson(['runs', ...where], config)).json.runs?.[0];
    if (!run) return undefined;
    const found = (await swarmJson(['show', run.runId, ...where], config)).json.tasks?.find((t: { name: string }) => t.name === task);
    return found?.status === 'running' ? (run.runId as string) : undefined;
  }, 20_000);
}

/** Polls `check` until it returns a value other than undefined (bounded); errors count as "not yet". */
export async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await Bun.sleep(25);
  }
}
