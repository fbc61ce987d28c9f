import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { appendManifest, countBySymbol, readLines, waitUntil } from './crash-harness.ts';
import { killDispatchers, startDispatcher, within } from './dispatcher-process.ts';
import { holdWriteLock, killLockHolders } from '../support/write-lock.ts';
import { removeTempDirs, sandbox, spawnCli, swarmJson, writeManifest } from './helpers.ts';

// A `swarm run` that dies while a dispatcher on the same database is up: real processes,
// bounded waits.
setDefaultTimeout(60_000);
const runs: ReturnType<typeof spawnCli>[] = [];
afterEach(async () => {
  for (const child of runs.splice(0)) {
    if (child.exitCode === null) child.kill('SIGKILL');
    await child.exited;
  }
  await killDispatchers();
  await killLockHolders();
  removeTempDirs();
});

describe('a run whose process dies while a dispatcher is up', () => {
  test('is taken up by the dispatcher within a heartbeat timeout and finished; nothing that succeeded runs again', async () => {
    const { d, runId, lines, config, db } = await orphanOnADispatcher();
    const done = await untilFinished(d.url, runId);
    expect(done.status).toBe('succeeded');
    const counts = countBySymbol(readLines(lines, runId));
    expect(counts.first).toBe(1); // succeeded before the kill: never run again
    expect(counts.third).toBe(1);
    const shown = await swarmJson(['show', runId, '--db', db], config);
    expect(shown.json.tasks.map((t: { status: string }) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(d.stderr()).toContain('resumed an unfinished run');
  });

  test("while another process holds the database's write lock: the log says why, in the swarm's words, and the run is taken up once the lock goes (not left for a resume by hand)", async () => {
    let lock: Awaited<ReturnType<typeof holdWriteLock>> | undefined;
    const { d, runId } = await orphanOnADispatcher(async (db) => {
      lock = await holdWriteLock(db);
    });
    await waitUntil(() => d.stderr().includes('could not be taken up yet'), 20_000, 'the failed try to be logged');
    await lock!.release();
    expect((await untilFinished(d.url, runId)).status).toBe('succeeded');
    const tried = d.stderr().slice(d.stderr().indexOf('could not be taken up yet'));
    expect(tried).toContain('is locked: another process held its write lock');
    expect(tried).toContain('(STORE_UNAVAILABLE)');
    expect(d.stderr()).toContain('resumed an unfinished run');
    expect(d.stderr()).not.toContain('resume it by hand');
    expect(d.stderr()).not.toMatch(/\n\s+at /);
  });
});

/**
 * A dispatcher, and a `swarm run` on its database killed while its second task runs: an orphan
 * the dispatcher takes up. `beforeKill` runs just before the kill.
 */
async function orphanOnADispatcher(beforeKill?: (db: string) => Promise<void>) {
  const { dir, config, db } = sandbox();
  writeFileSync(
    config,
    [
      '[logging]',
      'file = ""',
      '[dispatcher]',
      'local_workers = 1',
      `state_db_path = "${db}"`,
      '[coordinator]',
      'heartbeat_interval = 100',
      'heartbeat_timeout = 500',
      'retry_backoff_base = 20',
      'retry_backoff_max = 100',
      '[worker]',
      'heartbeat_interval = 100',
      '',
    ].join('\n'),
  );
  const d = await startDispatcher(config);
  const lines = join(dir, 'lines.txt');
  const steps = [
    { name: 'first', before: 50, after: 50 },
    { name: 'second', deps: ['first'], before: 1_500, after: 50 },
    { name: 'third', deps: ['second'], before: 50, after: 50 },
  ];
  const manifest = writeManifest(dir, 'flow.yaml', appendManifest('orphaned', lines, steps));
  const child = spawnCli(['run', manifest, '--json'], config);
  runs.push(child);
  // Killed once `first` has written its line and `second` is under way.
  await waitUntil(() => readLines(lines).some((l) => l.symbol === 'first'), 20_000, 'the first task to run');
  await Bun.sleep(300);
  await beforeKill?.(db);
  child.kill('SIGKILL');
  await within(child.exited, 10_000, 'swarm run to die');
  return { d, runId: readLines(lines)[0].runId, lines, config, db };
}

function untilFinished(url: string, runId: string) {
  return within(
    (async () => {
      for (;;) {
        const run = (await (await fetch(`${url}/api/runs/${runId}`)).json()) as { status: string; tasks: { status: string }[] };
        if (run.status !== 'running') return run;
        await Bun.sleep(50);
      }
    })(),
    30_000,
    'the dispatcher to take up and finish the run',
  );
}
