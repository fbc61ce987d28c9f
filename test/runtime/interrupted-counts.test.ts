import { Database } from 'bun:sqlite';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'bun:test';
import { listedRun } from '../../src/run-liveness.ts';
import { readRunResult } from '../../src/run-result.ts';
import { FIXTURE_MODULES, makeHarness, manifest, stopHarnesses, sym, waitFor } from './helpers.ts';
import { DEAD_OWNER } from '../support/dead-owner.ts';
import { plainCommandLine } from '../../src/command-line.ts';

afterEach(stopHarnesses);


describe('an interrupted run in the lists', () => {
  test("counts its tasks from their rows: the run row's counts on their way died with its process", async () => {
    // Before, `swarm runs` showed such a run `0/3` done while `show` listed a succeeded task.
    const h = makeHarness();
    const gate = join(h.dir, 'gate');
    const handle = h.deploy(
      manifest('held', [
        sym('done', { parameters: { operation: 'noop' } }),
        sym('broken', { retries: 0, parameters: { operation: 'fail', message: 'no' } }),
        sym('hold', { parameters: { operation: 'module', module: join(FIXTURE_MODULES, 'wait-for-file.ts'), path: gate } }),
      ]),
    );
    const status = (name: string) => h.store.getTask(handle.runId, name)?.status;
    await waitFor(() => status('done') === 'succeeded' && status('broken') === 'failed' && status('hold') === 'running', 'done, broken and hold');
    h.store.drainBackground?.(10_000);
    // What a process killed within the tally's 100 ms leaves: the run row behind its tasks.
    const db = new Database(h.dbPath);
    db.run('UPDATE runs SET completed_tasks = 0, failed_tasks = 0 WHERE id = ?', [handle.runId]);
    db.close();
    const reader = makeHarness({ sharing: h });
    expect(listedRun(reader.store, reader.store.getRunListing(handle.runId)!, plainCommandLine)).toMatchObject({ interrupted: false, completedTasks: 0, failedTasks: 0 });
    const held = reader.store.getRunLease(handle.runId)!;
    reader.store.claimRunLease(handle.runId, { owner: DEAD_OWNER, leaseMs: 60_000, fromEpoch: held.epoch, onlyIfExpired: false });
    expect(listedRun(reader.store, reader.store.getRunListing(handle.runId)!, plainCommandLine)).toMatchObject({ interrupted: true, completedTasks: 1, failedTasks: 1 });
    // `swarm show --json` and the HTTP run result: their counts agree with the tasks they list.
    expect(readRunResult(reader.store, handle.runId)).toMatchObject({ completedTasks: 1, failedTasks: 1 });
    writeFileSync(gate, '');
  });
});
