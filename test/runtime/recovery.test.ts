import { afterEach, describe, expect, test } from 'bun:test';
import { FailingStore } from './failing-store.ts';
import { loadedManifest, makeHarness, manifest, stopHarnesses, sym, taskOf, taskTransitions, waitFor, withTimeout } from './helpers.ts';
import { DEAD_OWNER } from '../support/dead-owner.ts';

afterEach(stopHarnesses);


const chain = (n: number, ms = 5) =>
  Array.from({ length: n }, (_, i) => sym(`s${i}`, { parameters: { operation: 'delay', ms }, dependencies: i > 0 ? [`s${i - 1}`] : [] }));

describe('resuming a run whose process stopped', () => {
  test('a run left unfinished is taken up by another dispatcher: what succeeded is not run again', async () => {
    // The first dispatcher's disk "fills up" mid-run: its run is abandoned as `running`,
    // exactly what a crash leaves behind, with some tasks committed as succeeded.
    const first = makeHarness({ makeStore: (path) => new FailingStore(path, 6) });
    const doomed = first.deploy(manifest('long-chain', chain(12)));
    await withTimeout(doomed.result.catch(() => null), 10_000, 'the run to be abandoned');
    // (The first dispatcher writes nothing more; it is stopped with the others after the test.)

    const second = makeHarness({ sharing: first });
    const before = second.store.getTasks(doomed.runId);
    const succeededBefore = before.filter((t) => t.status === 'succeeded').map((t) => t.name);
    expect(second.store.getRun(doomed.runId)?.status).toBe('running');
    expect(succeededBefore.length).toBeGreaterThan(0);
    expect(succeededBefore.length).toBeLessThan(12);
    // The first owner is this very process; pretend it died, as a crash would have it.
    const held = second.store.getRunLease(doomed.runId)!;
    second.store.claimRunLease(doomed.runId, { owner: DEAD_OWNER, leaseMs: 60_000, fromEpoch: held.epoch, onlyIfExpired: false });
    const lastSeqBefore = second.store.getTransitions(doomed.runId).at(-1)!.seq;

    const [resumed] = second.dispatcher.resumeOrphanedRuns();
    expect(resumed.runId).toBe(doomed.runId);
    const result = await withTimeout(resumed.result, 15_000, 'the resumed run');
    expect(result.status).toBe('succeeded');
    expect(result.completedTasks).toBe(12);
    const after = second.store.getTransitions(doomed.runId).filter((t) => t.seq > lastSeqBefore);
    for (const name of succeededBefore) expect(taskTransitions(after, name)).toEqual([]);
    // The coordinator came back with the counts of what had settled, from the journal alone.
    const restart = after.find((t) => t.actorKind === 'coordinator' && t.event === 'run.start')!;
    expect(restart.payload).toEqual({ resumed: { succeeded: succeededBefore.length } });
    expect(second.store.getRunLease(doomed.runId)).toMatchObject({ epoch: held.epoch + 2 });
    expect(second.store.getRunLease(doomed.runId)!.owner).not.toBe(DEAD_OWNER);
  });

  test('resuming a run another dispatcher has taken up says so and how to follow it, not to stop that dispatcher', async () => {
    const first = makeHarness({ makeStore: (path) => new FailingStore(path, 6) });
    const doomed = first.deploy(manifest('taken-up', [...chain(3), sym('long', { parameters: { operation: 'delay', ms: 60_000 }, dependencies: ['s2'] })]));
    await withTimeout(doomed.result.catch(() => null), 10_000, 'the run to be abandoned');
    const second = makeHarness({ sharing: first });
    const held = second.store.getRunLease(doomed.runId)!;
    second.store.claimRunLease(doomed.runId, { owner: DEAD_OWNER, leaseMs: 60_000, fromEpoch: held.epoch, onlyIfExpired: false });
    const [resumed] = second.dispatcher.resumeOrphanedRuns();
    expect(resumed.runId).toBe(doomed.runId);
    const third = makeHarness({ sharing: first });
    expect(() => third.dispatcher.resume(doomed.runId)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(`was taken up by another process`) }),
    );
    expect(() => third.dispatcher.resume(doomed.runId)).toThrow(`swarm watch ${doomed.runId}`);
    resumed.cancel('by the test');
    await withTimeout(resumed.result, 15_000, 'the resumed run');
  });

  test('a run that was being cancelled, its tasks all still on nodes, is cancelled when taken up', async () => {
    // A cancel settles at once what is not on a node; here nothing is, so no task says it: only
    // the coordinator's row does. Before, the run taken up ran its task again to the end.
    const first = makeHarness({ shutdownGrace: 60_000, leaseMs: 1_500 });
    const handle = first.deploy(manifest('cancel-then-crash', [sym('long', { parameters: { operation: 'delay', ms: 60_000 } })]));
    const firstEnded = handle.finished.then(() => null, (err: unknown) => err);
    await waitFor(() => first.store.getTask(handle.runId, 'long')?.status === 'running', 'long to run');
    handle.cancel('by request');
    const coordinatorState = () => first.store.getTransitions(handle.runId).filter((t) => t.actorKind === 'coordinator').at(-1)?.to;
    await waitFor(() => coordinatorState() === 'cancelling', 'the cancel to be committed');
    expect(first.store.getTasks(handle.runId).map((t) => t.status)).toEqual(['running']);

    // Its process "dies" (the lease passes to an owner that is gone): another dispatcher takes it up.
    const second = makeHarness({ sharing: first });
    const held = second.store.getRunLease(handle.runId)!;
    second.store.claimRunLease(handle.runId, { owner: DEAD_OWNER, leaseMs: 60_000, fromEpoch: held.epoch, onlyIfExpired: false });
    const [resumed] = second.dispatcher.resumeOrphanedRuns();
    const result = await withTimeout(resumed.result, 10_000, 'the run taken up');
    expect(result.status).toBe('cancelled');
    expect(taskOf(result, 'long')).toMatchObject({ status: 'cancelled', error: { code: 'TASK_CANCELLED' } });
    // The first dispatcher learns at its next renewal that the run is no longer its own.
    expect(await withTimeout(firstEnded, 10_000, 'the first host to let the run go')).toMatchObject({ code: 'RUN_FENCED' });
  });

  test('a run whose owner is alive, or that has finished, is not resumed', async () => {
    const h = makeHarness();
    const slow = h.deploy(manifest('slow', [sym('wait', { parameters: { operation: 'delay', ms: 300 } })]));
    expect(h.dispatcher.resumeOrphanedRuns()).toEqual([]);
    const other = makeHarness({ sharing: h });
    expect(() => other.dispatcher.resume(slow.runId)).toThrow(/still hosted by a live process/);
    await slow.result;
    expect(() => other.dispatcher.resume(slow.runId)).toThrow(/only an unfinished run can be resumed/);
  });
});

describe('rollback_policy: saga', () => {
  const undoable = (name: string, fields: Record<string, unknown> = {}) =>
    sym(name, {
      parameters: { operation: 'state.set', key: name, value: 'done' },
      rollback: { name: `undo-${name}`, type: 'action', parameters: { operation: 'state.set', key: name, value: 'undone' } },
      ...fields,
    });

  test('a failed run compensates its succeeded symbols newest first, then ends failed', async () => {
    const h = makeHarness();
    const result = await h.run(
      manifest(
        'saga',
        [
          undoable('a'),
          undoable('b', { dependencies: ['a'] }),
          undoable('c', { dependencies: ['b'] }),
          sym('plain', { parameters: { operation: 'noop' } }),
          sym('boom', { dependencies: ['c'], retries: 0, parameters: { operation: 'fail', message: 'no' } }),
        ],
        { rollback_policy: 'saga' },
      ),
    );
    expect(result.status).toBe('failed');
    for (const name of ['a', 'b', 'c']) {
      expect(taskOf(result, name).status).toBe('rolled_back');
      expect(h.store.stateGet(name)).toBe('undone');
    }
    expect(taskOf(result, 'plain').status).toBe('succeeded'); // nothing to undo it with
    const journal = h.store.getTransitions(result.runId);
    const compensated = journal.filter((t) => t.event === 'task.compensate').map((t) => t.actorId);
    expect(compensated).toEqual(['task:c', 'task:b', 'task:a']);
    expect(journal.filter((t) => t.actorKind === 'coordinator').map((t) => t.to)).toEqual(['idle', 'running', 'compensating', 'failed']);
  });

  test('a compensation that fails leaves the run rollback_failed, and the others still run', async () => {
    const h = makeHarness();
    const result = await h.run(
      manifest(
        'saga-broken-undo',
        [
          undoable('a'),
          sym('b', {
            dependencies: ['a'],
            parameters: { operation: 'noop' },
            rollback: { name: 'undo-b', type: 'action', parameters: { operation: 'fail', message: 'cannot undo b' } },
          }),
          sym('boom', { dependencies: ['b'], retries: 0, parameters: { operation: 'fail', message: 'no' } }),
        ],
        { rollback_policy: 'saga' },
      ),
    );
    expect(result.status).toBe('rollback_failed');
    expect(taskOf(result, 'b')).toMatchObject({ status: 'rollback_failed', rollbackError: { message: 'cannot undo b' } });
    expect(taskOf(result, 'a').status).toBe('rolled_back');
    // Rolling it back again: the refusal says what happened, not only "no rollback" (it named
    // none of a's or b's fate).
    expect(() => h.dispatcher.rollback(result.runId)).toThrow(
      `Run ${result.runId} has nothing to roll back: "a": rolled back already; "b": its rollback failed, and a rollback runs once: undo what it did by hand (\`swarm show ${result.runId}\` has its error).`,
    );
  });

  test('swarm rollback of a succeeded run compensates it by hand; it ends rolled_back', async () => {
    const h = makeHarness();
    const done = await h.run(manifest('to-undo', [undoable('a'), undoable('b', { dependencies: ['a'] })]));
    expect(done.status).toBe('succeeded');
    const undone = await h.dispatcher.rollback(done.runId).result;
    expect(undone.status).toBe('rolled_back');
    expect(undone.completedTasks).toBe(2); // what had succeeded, as before
    expect(h.store.stateGet('a')).toBe('undone');
    expect(() => h.dispatcher.rollback(done.runId)).toThrow(/rolled back already/);
    const plain = await h.run(manifest('no-undo', [sym('x', { parameters: { operation: 'noop' } })]));
    expect(() => h.dispatcher.rollback(plain.runId)).toThrow(/nothing to roll back: "[^"]+": it has no rollback/);
    // Named a few per reason, not all (a run of 20,000 made a line of 600 KB).
    const wide = await h.run(manifest('no-undo-wide', Array.from({ length: 8 }, (_, i) => sym(`w${i}`, { parameters: { operation: 'noop' } }))));
    expect(() => h.dispatcher.rollback(wide.runId)).toThrow(
      `Run ${wide.runId} has nothing to roll back: "w0", "w1", "w2", "w3", "w4" and 3 more: it has no rollback.`,
    );
  });
});

describe('replay', () => {
  const flow = (failing: boolean) =>
    manifest('flow', [
      sym('fetch', { parameters: { operation: 'echo', message: 'data' } }),
      sym('transform', { dependencies: ['fetch'], retries: 0, parameters: failing ? { operation: 'fail', message: 'bad' } : { operation: 'echo' } }),
      sym('publish', { dependencies: ['transform'], parameters: { operation: 'noop' } }),
      sym('side', { parameters: { operation: 'noop' } }),
    ]);

  test('carries over what succeeded, reruns the rest; --from and --all widen it', async () => {
    const h = makeHarness();
    const original = await h.run(flow(false));
    expect(original.status).toBe('succeeded');
    const plain = h.dispatcher.replay(original.runId);
    expect([...plain.plan.reuse.keys()].sort()).toEqual(['fetch', 'publish', 'side', 'transform']);
    await plain.result;
    const from = h.dispatcher.replay(original.runId, { from: 'transform' });
    expect([...from.plan.rerun.keys()].sort()).toEqual(['publish', 'transform']);
    const fromResult = await from.result;
    expect(fromResult.replayOf).toBe(original.runId);
    // transform ran again and received the carried-over output of fetch.
    expect(taskOf(fromResult, 'transform')).toMatchObject({ reused: false, attempts: 1 });
    expect(taskOf(fromResult, 'fetch')).toMatchObject({ reused: true, attempts: 0, output: 'data' });
    const all = h.dispatcher.replay(original.runId, { all: true });
    expect(all.plan.reuse.size).toBe(0);
    expect(() => h.dispatcher.replay(original.runId, { from: 'nope' })).toThrow(/not a symbol/);
    expect(() => h.dispatcher.replay(original.runId, { from: 'transfrom' })).toThrow('(did you mean "transform"?)');
    // Both at once is not a replay anyone can mean one way.
    expect(() => h.dispatcher.replay(original.runId, { from: 'transform', all: true })).toThrow('two different replays');
    await all.result;
  });

  test('a failed run replayed as it was fails again; replayed with a fixed manifest it succeeds', async () => {
    const h = makeHarness();
    const failed = await h.run(flow(true));
    expect(failed.status).toBe('failed');
    const same = h.dispatcher.replay(failed.runId);
    expect(same.plan.rerun.get('transform')).toBe('was failed');
    expect(same.plan.rerun.get('publish')).toBe('was skipped');
    expect((await same.result).status).toBe('failed'); // nothing was fixed
    const fixed = flow(false);
    (fixed.symbols[3].parameters as Record<string, unknown>).operation = 'echo'; // `side` edited too
    const replay = h.dispatcher.replay(failed.runId, { manifest: loadedManifest(fixed) });
    expect(replay.plan.rerun.get('side')).toBe('changed in the manifest');
    expect([...replay.plan.reuse.keys()]).toEqual(['fetch']);
    const result = await replay.result;
    expect(result.status).toBe('succeeded');
    expect(taskOf(result, 'fetch').reused).toBe(true);
    expect(taskOf(result, 'publish')).toMatchObject({ status: 'succeeded', reused: false });
  });

  test('a run still live in another process is not replayed (its tasks would run twice, or reuse what is being undone): refused, RUN_STATE_CONFLICT, until it ends', async () => {
    const first = makeHarness();
    const live = first.deploy(manifest('live-elsewhere', [sym('now', { parameters: { operation: 'echo', message: 'x' } }), sym('later', { parameters: { operation: 'delay', ms: 60_000 }, dependencies: ['now'] })]));
    await waitFor(() => first.store.getTask(live.runId, 'later')?.status === 'running', 'later to run');
    const second = makeHarness({ sharing: first });
    expect(() => second.dispatcher.replay(live.runId)).toThrow(
      expect.objectContaining({ code: 'RUN_STATE_CONFLICT', message: expect.stringContaining('cancel it first where it runs') }),
    );
    live.cancel('by the test');
    await withTimeout(live.result, 15_000, 'the cancelled run');
    const replay = second.dispatcher.replay(live.runId);
    expect([...replay.plan.reuse.keys()]).toEqual(['now']);
    replay.cancel('by the test');
    await withTimeout(replay.result, 15_000, 'the replay');
  });

  test("a replay with an edited manifest of another name is recorded under that name (what ran); a name given to the original run carries over", async () => {
    const h = makeHarness();
    const original = await h.run(flow(false));
    const renamed = { ...flow(false), name: 'renamed-flow' };
    const replay = h.dispatcher.replay(original.runId, { manifest: loadedManifest(renamed) });
    await replay.result;
    expect(h.store.getRun(replay.runId)?.name).toBe('renamed-flow');
    // Given its own name at deploy (as `[dispatcher] workflow_name` does), a run keeps it in its replays.
    const named = h.dispatcher.deploy(loadedManifest(flow(false)), { name: 'nightly' });
    await named.result;
    const again = h.dispatcher.replay(named.runId, { manifest: loadedManifest(renamed) });
    await again.result;
    expect(h.store.getRun(again.runId)?.name).toBe('nightly');
  });
});
