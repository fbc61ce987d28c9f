import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { appendManifest, countBySymbol, readLines, waitUntil } from './crash-harness.ts';
import { killDispatchers, startDispatcher, within } from './dispatcher-process.ts';
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
  removeTempDirs();
});

describe('a run whose process dies while a dispatcher is up', () => {
  test('is taken up by the dispatcher within a heartbeat timeout and finished; nothing that succeeded runs again', async () => {
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
    child.kill('SIGKILL');
    await within(child.exited, 10_000, 'swarm run to die');
    const runId = readLines(lines)[0].runId;

    const done = await within(
      (async () => {
        for (;;) {
          const run = (await (await fetch(`${d.url}/api/runs/${runId}`)).json()) as { status: string; tasks: { status: string }[] };
          if (run.status !== 'running') return run;
          await Bun.sleep(50);
        }
      })(),
      30_000,
      'the dispatcher to take up and finish the run',
    );
    expect(done.status).toBe('succeeded');
    const counts = countBySymbol(readLines(lines, runId));
    expect(counts.first).toBe(1); // succeeded before the kill: never run again
    expect(counts.third).toBe(1);
    const shown = await swarmJson(['show', runId, '--db', db], config);
    expect(shown.json.tasks.map((t: { status: string }) => t.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(d.stderr()).toContain('resumed an unfinished run');
  });
});
