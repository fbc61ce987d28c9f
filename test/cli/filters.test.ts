/** `runs --status/--workflow/--since` and `history --symbol/--actor/--kind/--event`, text and JSON. */
import { afterEach, describe, expect, test } from 'bun:test';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT } from './helpers.ts';

afterEach(removeTempDirs);

describe('filters', () => {
  test('runs: by status, workflow and since; bad values are usage errors naming the choices', async () => {
    const { config, db } = sandbox();
    const ok = await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
    const bad = await swarmJson(['run', 'examples/retry-and-rollback.yaml', '--db', db], config);
    const ids = async (...args: string[]) =>
      (await swarmJson(['runs', '--db', db, ...args], config)).json.runs.map((r: { runId: string }) => r.runId);
    expect(await ids('--status', 'failed')).toEqual([bad.json.runId]);
    expect(await ids('--status', 'succeeded,failed')).toEqual([bad.json.runId, ok.json.runId]);
    expect(await ids('--workflow', 'hello')).toEqual([ok.json.runId]);
    expect(await ids('--workflow', 'hello', '--status', 'failed')).toEqual([]);
    expect(await ids('--since', '1h')).toEqual([bad.json.runId, ok.json.runId]);
    expect(await ids('--since', '2999-01-01')).toEqual([]);
    expect(await ids('--since', '2000-01-01', '--limit', '1')).toEqual([bad.json.runId]);
    const text = await swarm(['runs', '--db', db, '--workflow', 'nope'], config);
    expect(text.stdout).toContain('No run matches these filters.');
    const wrong = await swarmJson(['runs', '--db', db, '--status', 'done'], config);
    expect(wrong.code).toBe(2);
    expect(wrong.json.error.message).toContain('choose from running, paused, succeeded');
    expect((await swarmJson(['runs', '--db', db, '--since', 'yesterday'], config)).code).toBe(2);
  }, TIMEOUT);

  test('history: by symbol, actor, kind and event (exact or a prefix with *)', async () => {
    const { config, db } = sandbox();
    const run = await swarmJson(['run', 'examples/retry-and-rollback.yaml', '--db', db], config);
    const rows = async (...args: string[]) => (await swarmJson(['history', run.json.runId, '--db', db, ...args], config)).json.transitions;
    const flaky = await rows('--symbol', 'flaky');
    expect(flaky.length).toBeGreaterThan(5);
    expect(new Set(flaky.map((t: { actorId: string }) => t.actorId))).toEqual(new Set(['task:flaky']));
    expect(await rows('--actor', 'task:flaky')).toEqual(flaky);
    const kinds = await rows('--kind', 'coordinator,dispatcher');
    expect(new Set(kinds.map((t: { actorKind: string }) => t.actorKind))).toEqual(new Set(['coordinator', 'dispatcher']));
    const failed = await rows('--event', 'task.failed', '--symbol', 'flaky');
    expect(failed.length).toBe(4); // two failed attempts, two rows each (running → failed → retrying)
    const tasks = await rows('--event', 'task.*', '--kind', 'task');
    expect(tasks.every((t: { event: string }) => t.event.startsWith('task.'))).toBe(true);
    const text = await swarm(['history', run.json.runId, '--db', db, '--symbol', 'flaky', '--event', 'task.started'], config);
    expect(text.stdout).toMatch(/: 3 of \d+ transitions/);
    expect((await swarmJson(['history', run.json.runId, '--db', db, '--kind', 'worker'], config)).code).toBe(2);
    // A symbol the run does not have is a mistake to point out, not an empty history.
    const typo = await swarmJson(['history', run.json.runId, '--db', db, '--symbol', 'flakey'], config);
    expect(typo.code).toBe(2);
    expect(typo.json.error.message).toBe(`Run ${run.json.runId} has no symbol "flakey" (did you mean "flaky"?); \`swarm show ${run.json.runId} ${config} --db ${db}\` lists them.`);
  }, TIMEOUT);
});
