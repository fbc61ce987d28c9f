import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'bun:test';
import { isGone } from '../backends/helpers.ts';
import { ROOT, TIMEOUT, removeTempDirs, sandbox, swarmJson, until, writeManifest } from './helpers.ts';

/**
 * A module runs in the swarm's own process, so a process it starts and never ends is the
 * swarm's child: nothing times it out. Before, it outlived its attempt and the `swarm run`
 * process, an orphan under init.
 */
afterEach(removeTempDirs);
const SPAWN_CHILD = join(ROOT, 'test', 'fixtures', 'modules', 'spawn-child.ts');

describe('a process a module leaves running', () => {
  test('is ended when the swarm process exits, with a warning naming it', async () => {
    const { dir, config } = sandbox();
    const manifest = writeManifest(dir, 'leaves.yaml', `name: leaves\nsymbols:\n  - {name: spawner, type: action, parameters: {operation: module, module: ${JSON.stringify(SPAWN_CHILD)}}}\n`);
    const result = await swarmJson(['run', manifest], config);
    expect(result.code).toBe(0);
    const pid = result.json.tasks[0].output.pid as number;
    await until(`process ${pid} to be ended`, () => (isGone(pid) ? true : undefined), 10_000);
    expect(result.stderr).toContain(`${pid} (sleep)`);
  }, TIMEOUT);
});
