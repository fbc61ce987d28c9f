// Shared by the dashboard's browser tests (run with Node's test runner: Playwright's pipe to the
// browser is not reliable under Bun). A real `swarm start-dispatcher` child on port 0 with a
// token, a temp database, Debian's chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'test', 'artifacts', 'dashboard');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const TOKEN = 'browser-test-token';

/**
 * Outside CI, no browser means these tests skip, saying how to get one; in CI (CI=true) they
 * never skip: a missing browser fails them.
 */
export const SKIP =
  !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? `no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH) to run the dashboard's browser tests`
    : false;

/** Resolves with `promise`, or rejects after `ms` naming `what`. */
export function within(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/**
 * Starts a dispatcher; resolves once its `--json` line says where it listens. `config`: the text
 * of a swarm.toml to start it with (the defaults otherwise); `bunArgs`: options for Bun itself
 * (e.g. a CPU profile).
 */
export async function startDispatcher({ config, bunArgs = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-dashboard-browser-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const args = [...bunArgs, join(ROOT, 'src', 'cli', 'bin.ts'), 'start-dispatcher', '--port', '0', '--json', '--db', join(dir, 'state.db')];
  if (config !== undefined) {
    writeFileSync(join(dir, 'swarm.toml'), config);
    args.splice(bunArgs.length + 2, 0, join(dir, 'swarm.toml'));
  }
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'bun'), args, {
    cwd: dir,
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'SWARM_CONFIG')), SWARM_AUTH_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The dispatcher goes with this process, however it ends (a benchmark stopped by a signal too).
  const reap = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', reap);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const line = await within(
    new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
      });
      child.on('exit', (code) => reject(new Error(`dispatcher exited (${code}) before listening:\n${stderr}`)));
    }),
    30_000,
    'start-dispatcher --json line',
  );
  const { url } = JSON.parse(line);
  return {
    url,
    dir,
    pid: child.pid,
    stderr: () => stderr,
    async api(method, path, body) {
      const response = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    },
    async deploy(source) {
      const { status, body } = await this.api('POST', '/api/runs', { source, format: 'yaml' });
      if (status !== 201) throw new Error(`deploy: ${status} ${JSON.stringify(body)}`);
      return body.runId;
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls the API until `check(body)` holds (the server's state, not the page's). */
export async function waitForApi(dispatcher, path, check, what) {
  return within(
    (async () => {
      for (;;) {
        const { body } = await dispatcher.api('GET', path);
        if (check(body)) return body;
        await new Promise((r) => setTimeout(r, 50));
      }
    })(),
    20_000,
    what,
  );
}
