import { afterEach, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT } from './helpers.ts';

afterEach(removeTempDirs);

test('swarm config refuses a path whose directory does not exist, and creates none (exit 2, saying which)', async () => {
  const { dir } = sandbox();
  const missing = join(dir, 'no', 'such');
  const text = await swarm(['config', join(missing, 'x.toml')]);
  expect(text.code).toBe(2);
  expect(text.stderr).toContain(`the directory ${missing} does not exist`);
  expect(existsSync(join(dir, 'no'))).toBe(false);

  const json = await swarmJson(['config', join(missing, 'x.toml')]);
  expect(json.code).toBe(2);
  expect(json.json.error).toMatchObject({ name: 'UsageError', code: 'USAGE' });
  expect(existsSync(join(dir, 'no'))).toBe(false);
}, TIMEOUT);

test('a config named in a directory that does not exist gets no `swarm config` hint, which would be refused', async () => {
  const { dir } = sandbox();
  const inMissing = join(dir, 'no', 'c.toml');
  const runs = await swarm(['runs', inMissing]);
  expect(runs.code).toBe(2);
  expect(runs.stderr).toContain(`the directory ${join(dir, 'no')} does not exist`);
  expect(runs.stderr).not.toContain('swarm config');

  // Where the directory exists, the hint is there, and works.
  const here = join(dir, 'c.toml');
  expect((await swarm(['runs', here])).stderr).toContain(`swarm config ${here}`);
  expect((await swarm(['config', here])).code).toBe(0);
}, TIMEOUT);
