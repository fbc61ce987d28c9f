/**
 * A rollback by request does not rewrite the run's story: `show` keeps the run's own end and
 * each task's own time, and lists the compensation apart (when, how long, its output).
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { formatDateTime, formatDuration } from '../../src/cli/output.ts';
import { killDispatchers, startDispatcher } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, spawnCli, swarm, swarmJson, TIMEOUT, until, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const MANIFEST = `name: undo-later
symbols:
  - {name: a, type: action, parameters: {operation: delay, ms: 50}, rollback: {name: undo-a, type: action, parameters: {operation: echo, message: undone}}}
  - {name: b, type: action, parameters: {operation: noop}}
`;

describe('show after a rollback by request', () => {
  test("the run's own duration and the tasks' own times stay; the rollback is a line and a table of its own", async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'm.yaml', MANIFEST);
    const run = await swarmJson(['run', file, '--db', db], config);
    expect(run.json.status).toBe('succeeded');
    // A new process rolls it back: the run has been idle at least as long as that takes to start.
    const rollback = await swarm(['rollback', run.json.runId, '--db', db, '--quiet'], config);
    expect(rollback.code).toBe(0);
    const history = (await swarmJson(['history', run.json.runId, '--db', db], config)).json.transitions;
    const coordinator = history.filter((t: { actorKind: string }) => t.actorKind === 'coordinator');
    const ownEnd = coordinator.find((t: { to: string }) => t.to === 'succeeded').at;
    const compensate = coordinator.find((t: { event: string }) => t.event === 'run.compensate').at;
    const stored = (await swarmJson(['show', run.json.runId, '--db', db], config)).json;
    expect(stored.finishedAt).toBeGreaterThan(ownEnd); // the store moved it; show must not use it

    const show = await swarm(['show', run.json.runId, '--db', db], config);
    expect(show.stdout).toContain(`(${formatDuration(ownEnd - stored.createdAt)})`);
    expect(show.stdout).toMatch(/rollback +\S+ \S+, by request: rolled_back in \d+ ms/);
    expect(show.stdout).toContain('rollbacks:');
    expect(show.stdout).toMatch(/│ a +│ \S+ \S+ +│ \d+ ms +│ rolled back +│ undone/);
    // a's duration is its attempt's, not until the end of its compensation.
    const a = history.filter((t: { actorId: string }) => t.actorId === 'task:a');
    const ran = a.find((t: { to: string }) => t.to === 'succeeded').at - a.find((t: { to: string }) => t.to === 'running').at;
    expect(show.stdout).toMatch(new RegExp(`│ a +│ rolled_back +│ 1 +│ local +│ ${formatDuration(ran)} `));
    // The rollback's own line times the rollback as its journal has it, as `show` does (it
    // counted from when the command began, setup included).
    expect(rollback.stdout).toContain(`rolled_back in ${formatDuration(stored.finishedAt - compensate)}:`);
    expect(compensate).toBeGreaterThan(ownEnd);
    const runs = await swarm(['runs', '--db', db], config);
    expect(runs.stdout).toContain(formatDuration(ownEnd - stored.createdAt));
    // The list's JSON (also the dashboard's and the API's) has the run's own end beside the moved one.
    expect((await swarmJson(['runs', '--db', db], config)).json.runs[0]).toMatchObject({ endedAt: ownEnd, finishedAt: stored.finishedAt });
  }, TIMEOUT);

  test('what swarm rollback prints: each task its own time, the rollbacks apart, the rollback\'s own duration; locally and on a dispatcher', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'm.yaml', MANIFEST);
    const dispatcher = await startDispatcher(config, ['--db', db]);
    try {
      for (const where of [['--db', db], ['--url', dispatcher.url]]) {
        const run = await swarmJson(['deploy', file, '--url', dispatcher.url], config);
        expect(run.json.status).toBe('succeeded');
        const rollback = await swarm(['rollback', run.json.runId, ...where], config);
        expect({ where, code: rollback.code }).toEqual({ where, code: 0 });
        const history = (await swarmJson(['history', run.json.runId, '--db', db], config)).json.transitions;
        const a = history.filter((t: { actorId: string }) => t.actorId === 'task:a');
        const ran = a.find((t: { to: string }) => t.to === 'succeeded').at - a.find((t: { to: string }) => t.to === 'running').at;
        const coordinator = history.filter((t: { actorKind: string }) => t.actorKind === 'coordinator');
        const compensate = coordinator.find((t: { event: string }) => t.event === 'run.compensate').at;
        const end = coordinator.at(-1).at;
        // a ran ~50 ms; until the end of its compensation it was far longer (the helper saw 387 ms for 0 ms).
        expect(rollback.stdout).toMatch(new RegExp(`│ a +│ rolled_back +│ 1 +│ \\S+ +│ ${formatDuration(ran)} `));
        expect(rollback.stdout).toContain('rollbacks:');
        expect(rollback.stdout).toMatch(/│ a +│ \S+ \S+ +│ \d+ ms +│ rolled back +│ undone/);
        expect(rollback.stdout).toContain(`rolled_back in ${formatDuration(end - compensate)}:`);
      }
    } finally {
      await killDispatchers();
    }
  }, TIMEOUT);

  test("a rollback killed and resumed: show and the resuming command time it from its first start, not the resume", async () => {
    const { dir, config, db } = sandbox();
    const undo = (name: string) => `rollback: {name: undo-${name}, type: action, parameters: {operation: delay, ms: 500}}`;
    const file = writeManifest(
      dir,
      'chain.yaml',
      `name: chain
symbols:
  - {name: a, type: action, parameters: {operation: echo, message: a}, ${undo('a')}}
  - {name: b, type: action, dependencies: [a], parameters: {operation: echo, message: b}, ${undo('b')}}
  - {name: c, type: action, dependencies: [b], parameters: {operation: echo, message: c}, ${undo('c')}}
`,
    );
    const run = await swarmJson(['run', file, '--db', db], config);
    expect(run.json.status).toBe('succeeded');
    const runId = run.json.runId as string;
    const rollback = spawnCli(['rollback', runId, '--db', db, '--quiet'], config);
    await until('c rolled back, b rolling back', async () => {
      const tasks = (await swarmJson(['show', runId, '--db', db], config)).json.tasks as { name: string; status: string }[];
      const status = Object.fromEntries(tasks.map((t) => [t.name, t.status]));
      return status.c === 'rolled_back' && status.b === 'rolling_back' ? true : undefined;
    }, 20_000);
    rollback.kill('SIGKILL');
    await rollback.exited;
    const resumed = await swarm(['run', '--resume', runId, '--db', db], config);
    expect(resumed.code).toBe(0);
    const coordinator = (await swarmJson(['history', runId, '--db', db, '--kind', 'coordinator'], config)).json.transitions;
    const compensations = coordinator.filter((t: { event: string }) => t.event === 'run.compensate');
    expect(compensations.length).toBe(2); // the rollback's own start, and the resume's
    const began = compensations[0].at;
    const end = coordinator.at(-1).at;
    expect(coordinator.at(-1).to).toBe('rolled_back');
    const show = await swarm(['show', runId, '--db', db], config);
    expect(show.stdout).toContain(`rollback  ${formatDateTime(began)}, by request: rolled_back in ${formatDuration(end - began)}`);
    expect(resumed.stdout).toContain(`rolled_back in ${formatDuration(end - began)}:`);
  }, TIMEOUT);

  test('a saga run prints what show prints: each task its own time, the rollbacks apart; run and deploy --url', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(
      dir,
      'saga.yaml',
      `name: saga
rollback_policy: saga
symbols:
  - {name: a, type: action, parameters: {operation: delay, ms: 50}, rollback: {name: undo-a, type: action, parameters: {operation: delay, ms: 400}}}
  - {name: broken, type: action, dependencies: [a], retries: 0, parameters: {operation: fail, message: on purpose}}
`,
    );
    const dispatcher = await startDispatcher(config, ['--db', db]);
    // deploy --url goes through a proxy that counts what it asks the dispatcher.
    const asked: string[] = [];
    const proxy = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (request) => {
        const url = new URL(request.url);
        asked.push(url.pathname + url.search);
        const body = request.method === 'GET' ? undefined : await request.arrayBuffer();
        return fetch(`${dispatcher.url}${url.pathname}${url.search}`, { method: request.method, headers: request.headers, body });
      },
    });
    try {
      for (const how of [['run', file, '--db', db], ['deploy', file, '--url', `http://127.0.0.1:${proxy.port}`]]) {
        const printed = await swarm(how, config);
        expect({ how, code: printed.code }).toEqual({ how, code: 1 });
        const runId = /Run (\S+) \(saga\) failed/.exec(printed.stdout)?.[1];
        expect(runId).toBeDefined();
        const history = (await swarmJson(['history', runId!, '--db', db], config)).json.transitions;
        const a = history.filter((t: { actorId: string }) => t.actorId === 'task:a');
        const ran = a.find((t: { to: string }) => t.to === 'succeeded').at - a.find((t: { to: string }) => t.to === 'running').at;
        // a ran ~50 ms; until the end of its 400 ms rollback it was longer.
        expect(printed.stdout).toMatch(new RegExp(`│ a +│ rolled_back +│ 1 +│ \\S+ +│ ${formatDuration(ran)} `));
        expect(printed.stdout).toContain('rollbacks:');
        const show = await swarm(['show', runId!, '--db', db], config);
        const tableOf = (text: string) => text.slice(text.indexOf('┌'), text.lastIndexOf('┘') + 1);
        expect(tableOf(printed.stdout)).toBe(tableOf(show.stdout));
      }
      // The outcome was asked for once, with the journal the rollback's times come from.
      expect(asked.filter((path) => path.includes('/outcome'))).toEqual([expect.stringMatching(/\/outcome\?journal=1$/)]);
    } finally {
      proxy.stop(true);
      await killDispatchers();
    }
  }, TIMEOUT);
});
