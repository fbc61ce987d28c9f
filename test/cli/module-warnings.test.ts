import { afterEach, expect, test } from 'bun:test';
import { join } from 'node:path';
import { removeTempDirs, ROOT, sandbox, swarm, TIMEOUT, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

test('swarm validate says a module named as a folder without an index is a directory, not that it does not exist', async () => {
  const { dir } = sandbox();
  const folder = join(ROOT, 'test/fixtures/modules/not-a-module');
  const file = writeManifest(dir, 'folder.yaml', `name: folder\nsymbols:\n  - {name: a, type: action, parameters: {operation: module, module: ${folder}}}\n`);
  const text = await swarm(['validate', file]);
  expect(text.code).toBe(0);
  expect(text.stderr).toBe(`warning: module ${folder} (a) is a directory, not a module file (it has no index file): a run on this host fails it\n`);
}, TIMEOUT);
