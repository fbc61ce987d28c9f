import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'bun:test';
import { isGone } from '../backends/helpers.ts';
import { ROOT, TIMEOUT, removeTempDirs, sandbox, startSwarm, until, writeManifest } from './helpers.ts';

/**
 * What a module leaves running below `swarm run` is ended when it exits, also a process that
 * left its group and its parent (setsid): the CLI is a subreaper whatever its config. Before,
 * it became one only when a backend was enabled, and with none the setsid'd `sleep` was left
 * running under PID 1.
 */
const SPAWN_ESCAPING = join(ROOT, 'test', 'fixtures', 'modules', 'spawn-escaping.ts');
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone, as it should be.
    }
  }
  removeTempDirs();
});

test('Ctrl-C of a swarm run with no backend configured ends a module\'s setsid child as well as its own', async () => {
  // The module waits for its abort: a short grace makes that quick.
  const { dir, config } = sandbox({ dispatcher: 'shutdown_grace = 200' });
  const pidsFile = join(dir, 'child.pid');
  const escapedFile = join(dir, 'escaped.pid');
  const parameters = JSON.stringify({ operation: 'module', module: SPAWN_ESCAPING, pidsFile, escapedFile });
  const manifest = writeManifest(dir, 'escaping.yaml', `name: escaping\nsymbols:\n  - {name: spawner, type: action, retries: 0, parameters: ${parameters}}\n`);
  const run = startSwarm(['run', manifest, '--quiet'], config);
  started.push(run.child.pid);
  const [child, escaped] = await until('both pids to be written', () =>
    existsSync(pidsFile) && existsSync(escapedFile) ? [Number(readFileSync(pidsFile, 'utf8')), Number(readFileSync(escapedFile, 'utf8'))] : undefined,
  );
  started.push(child, escaped);
  expect(isGone(escaped)).toBe(false);
  run.child.kill('SIGINT');
  const result = await run.finish();
  expect(result.code).toBe(1);
  await until(`the module's own child ${child} to be ended`, () => (isGone(child) ? true : undefined), 10_000);
  await until(`the setsid child ${escaped} to be ended`, () => (isGone(escaped) ? true : undefined), 10_000);
  expect(result.stderr).toContain(`${escaped} (sleep)`);
}, TIMEOUT);
