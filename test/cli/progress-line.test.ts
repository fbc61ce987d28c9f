import { afterEach, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, removeTempDirs, sandbox, swarmJson, TIMEOUT } from './helpers.ts';

/**
 * The progress line of `swarm run` on a terminal counts what `swarm runs` would not call done:
 * found from outside, it ended "5/5 done | 1 failed" where `runs` said "done 3/5" (succeeded
 * only). It counts settled tasks, and says so. Run under script(1) for a terminal.
 */

afterEach(removeTempDirs);

const SCRIPT = Bun.which('script');

test.skipIf(SCRIPT === null)('the bar counts settled tasks as settled, not as done', async () => {
  const { dir, config, db } = sandbox();
  const out = join(dir, 'terminal.txt');
  // script's own output is the terminal's: what the bar drew, cursor movements and all.
  const child = Bun.spawnSync([SCRIPT!, '-qec', `${process.execPath} src/cli/bin.ts run examples/retry-and-rollback.yaml ${config} --db ${db}`, out], {
    cwd: ROOT,
    env: { ...process.env, SWARM_CONFIG: config },
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'ignore',
  });
  expect(child.exitCode).toBe(1); // the workflow fails
  const frames = [...readFileSync(out, 'utf8').matchAll(/retry-and-rollback \[[^\]]*\] ([^\x1b\r\n]*)/g)].map((m) => m[1]);
  expect(frames.length).toBeGreaterThan(0);
  expect(frames.at(-1)).toStartWith('5/5 settled | 0 running | 1 failed |');
  expect(frames.join('\n')).not.toContain(' done ');
  // What `swarm runs` says of the same run: done counts the succeeded ones.
  const runs = await swarmJson(['runs', '--db', db], config);
  expect(runs.json.runs[0]).toMatchObject({ totalTasks: 5, completedTasks: 3, failedTasks: 1 });
}, TIMEOUT);
