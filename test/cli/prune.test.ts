/**
 * `swarm prune`: a duration needs its unit, --dry-run deletes nothing, and on a terminal it
 * asks first (a real pseudo-terminal from util-linux `script`).
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { removeTempDirs, ROOT, sandbox, swarm, swarmJson, TIMEOUT } from './helpers.ts';

afterEach(removeTempDirs);

async function oneFinishedRun(config: string, db: string): Promise<string> {
  const run = await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
  expect(run.code).toBe(0);
  return run.json.runId;
}

async function runIds(config: string, db: string): Promise<string[]> {
  return (await swarmJson(['runs', '--db', db], config)).json.runs.map((r: { runId: string }) => r.runId);
}

/** `swarm prune …` on a pseudo-terminal; `answer` is typed once the question is on the screen. */
async function pruneOnTerminal(args: string[], config: string, answer: string): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, 'src/cli/bin.ts', 'prune', ...args].map((a) => `'${a}'`).join(' ');
  const child = Bun.spawn(['script', '-qec', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, SWARM_CONFIG: config },
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let screen = '';
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of child.stdout) {
      screen += decoder.decode(chunk, { stream: true });
      if (screen.includes('[y/N]') && answer !== '') {
        child.stdin.write(answer);
        child.stdin.flush();
        answer = '';
      }
    }
  })();
  const code = await child.exited;
  await reading;
  return { code, screen };
}

describe('swarm prune', () => {
  test('a bare number is refused (exit 2, nothing deleted), with the units to use', async () => {
    const { config, db } = sandbox();
    const id = await oneFinishedRun(config, db);
    const bare = await swarm(['prune', '--older-than', '7', '--db', db], config);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('needs a unit: "7d" for days');
    expect(await runIds(config, db)).toEqual([id]);
    // Beyond a hundred years back, dates run out (it printed "created before NaN-NaN-NaN").
    for (const args of [['prune', '--older-than', '99999999999999999999d', '--yes'], ['prune', '--older-than', '36501d', '--dry-run'], ['runs', '--since', '9999999999d']]) {
      const huge = await swarm([...args, '--db', db], config);
      expect({ args, code: huge.code }).toEqual({ args, code: 2 });
      expect(huge.stderr).toContain('is at most 36500d (a hundred years)');
      expect(huge.stdout + huge.stderr).not.toContain('NaN');
    }
    expect((await swarm(['prune', '--older-than', '36500d', '--yes', '--db', db], config)).code).toBe(0);
    expect(await runIds(config, db)).toEqual([id]);
  }, TIMEOUT);

  test('--dry-run lists what would go and deletes nothing; without it the same runs go', async () => {
    const { config, db } = sandbox();
    const id = await oneFinishedRun(config, db);
    const dry = await swarm(['prune', '--older-than', '0s', '--dry-run', '--db', db], config);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Would delete 1 finished run');
    expect(dry.stdout).toContain(id);
    const dryJson = await swarmJson(['prune', '--older-than', '0s', '--dry-run', '--db', db], config);
    expect(dryJson.json).toEqual({ dryRun: true, wouldDelete: 1, runIds: [id], olderThanMs: 0 });
    expect(await runIds(config, db)).toEqual([id]);
    const none = await swarmJson(['prune', '--older-than', '1d', '--dry-run', '--db', db], config);
    expect(none.json.wouldDelete).toBe(0);
    const real = await swarmJson(['prune', '--older-than', '0s', '--db', db], config);
    expect(real.json).toEqual({ deleted: 1, nodesDeleted: 1, olderThanMs: 0 }); // and the local node's row
    expect(await runIds(config, db)).toEqual([]);
  }, TIMEOUT);

  test('on a terminal it asks: "n" keeps the runs, "y" deletes them; --yes does not ask', async () => {
    const { config, db } = sandbox();
    const id = await oneFinishedRun(config, db);
    const no = await pruneOnTerminal(['--older-than', '0s', '--db', db], config, 'n\r');
    expect(no.code).toBe(0);
    expect(no.screen).toContain('Delete 1 finished run older than');
    expect(no.screen).toContain('Nothing deleted.');
    expect(await runIds(config, db)).toEqual([id]);
    const yes = await pruneOnTerminal(['--older-than', '0s', '--db', db], config, 'y\r');
    expect(yes.code).toBe(0);
    expect(yes.screen).toContain('Deleted 1 finished run');
    expect(await runIds(config, db)).toEqual([]);
    await oneFinishedRun(config, db);
    const unasked = await pruneOnTerminal(['--older-than', '0s', '--yes', '--db', db], config, '');
    expect(unasked.screen).not.toContain('[y/N]');
    expect(unasked.screen).toContain('Deleted 1 finished run');
  }, TIMEOUT);
});
