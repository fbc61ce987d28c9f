import { afterEach, describe, expect, test } from 'bun:test';
import { freePort, killDispatchers, startDispatcher, within } from './dispatcher-process.ts';
import { removeTempDirs, swarmJson, writeManifest } from './helpers.ts';
import {
  getJson,
  killWorkers,
  nodeIds,
  pollUntil,
  remoteOnlyConfig,
  startWorker,
  waitForNodeIds,
  waitForRun,
  waitForRunEnd,
  type RunView,
} from './worker-process.ts';

/**
 * The life of remote workers as separate processes (`swarm start-dispatcher`, `swarm
 * start-worker`): loss and late results, dispatcher restarts, tokens, and SIGTERM on either
 * end. Everything listens on 127.0.0.1; every wait is bounded; nothing asserts speed.
 */

afterEach(async () => {
  await killWorkers();
  await killDispatchers();
  removeTempDirs();
});

/** One action: a delay of `ms`, retried `retries` times. */
function delayManifest(dir: string, ms: number, retries: number): string {
  return writeManifest(
    dir,
    'delay.yaml',
    `name: delay\nsymbols:\n  - name: work\n    type: action\n    retries: ${retries}\n    parameters: {operation: delay, ms: ${ms}}\n`,
  );
}

async function deployDetached(manifest: string, config: string, url: string): Promise<string> {
  const deployed = await swarmJson(['deploy', manifest, config, '--url', url, '--detach']);
  expect(deployed.code).toBe(0);
  return deployed.json.runId as string;
}

const UNREACHABLE = 'the dispatcher is unreachable; retrying';
const CLOSED = 'the connection to the dispatcher closed; reconnecting';
const TOKEN_REFUSED = "the dispatcher refused this worker's shared token";
const REGISTERED = 'registered with the dispatcher';

describe('remote worker lifecycle (separate processes)', () => {
  test('a worker that returns after being declared lost has its late result refused; the run keeps the other worker’s', async () => {
    // A's attempt lasts long enough that A, woken once it is lost, has registered again before the
    // attempt ends (reconnect backoff starts at 250-500 ms): its outcome then goes out on the new
    // connection and must be refused, while attempt 2 runs on B.
    const DELAY = 5000;
    const { dir, config, db } = remoteOnlyConfig({ heartbeatTimeout: 1500 });
    const d = await startDispatcher(config);
    const a = startWorker(config, d.url, 'A');
    await waitForNodeIds(d.url, ['remote:A']);
    const b = startWorker(config, d.url, 'B');
    await waitForNodeIds(d.url, ['remote:A', 'remote:B']);
    const runId = await deployDetached(delayManifest(dir, DELAY, 2), config, d.url);
    // Both idle and equally loaded: the first registered (A) gets the task.
    const onA = await waitForRun(d.url, runId, (run) => run.tasks[0].status === 'running', 'the task to start', 20_000);
    expect(onA.tasks[0]).toMatchObject({ node: 'remote:A', attempts: 1 });
    // Frozen: A holds attempt 1 but sends nothing (no heartbeat) until SIGCONT.
    a.child.kill('SIGSTOP');
    const onB = await waitForRun(d.url, runId, (run) => run.tasks[0].node === 'remote:B' && run.tasks[0].status === 'running', 'attempt 2 to run on B', 20_000);
    expect(onB.tasks[0].attempts).toBe(2);
    expect(await nodeIds(d.url)).toEqual(['remote:B']); // A was dropped when it went silent
    // …and the dispatcher's log says so, with why.
    await pollUntil(async () => (d.stderr().includes('worker lost: no heartbeat for') ? true : undefined), 10_000, () => `the dispatcher to log A's loss; its stderr:\n${d.stderr()}`);

    // A wakes up: it finds its connection closed, says it reconnects, registers again, and
    // delivers attempt 1's outcome when it ends; the dispatcher refuses it (that lease is not current).
    a.child.kill('SIGCONT');
    const [retry] = await a.waitForLog(CLOSED, 10_000);
    expect(retry.level).toBe('warn');
    await a.waitForLog(REGISTERED, 10_000, 2);
    await waitForNodeIds(d.url, ['remote:A', 'remote:B']);
    const [refused] = await a.waitForLog('the dispatcher refused a result', 15_000);
    expect(refused).toMatchObject({ level: 'warn', component: 'worker', key: `${runId}/work/run/1` });
    expect(refused.msg).toContain('no longer current; its result is ignored');
    // The stale result settled nothing: the task is still attempt 2, running on B.
    const during = await getJson<RunView>(d.url, `/api/runs/${runId}`);
    expect(during.status).toBe('running');
    expect(during.tasks[0]).toMatchObject({ status: 'running', node: 'remote:B', attempts: 2 });

    const done = await waitForRunEnd(d.url, runId, 30_000);
    expect(done.status).toBe('succeeded');
    expect(done.tasks[0]).toMatchObject({ status: 'succeeded', node: 'remote:B', attempts: 2, output: { waitedMs: DELAY } });
    expect(a.child.exitCode).toBeNull(); // A is still serving
    expect(b.logged('the dispatcher refused a result')).toEqual([]);
    expect(await d.stop()).toBe(0);
    // The stored run agrees: one NODE_LOST failure of attempt 1 on A, then B's success.
    const shown = await swarmJson(['show', runId, '--db', db], config);
    expect(shown.json.tasks[0]).toMatchObject({ status: 'succeeded', node: 'remote:B', attempts: 2 });
    const history = await swarmJson(['history', runId, '--db', db], config);
    expect(JSON.stringify(history.json.transitions)).toContain('NODE_LOST');
  }, 45_000);

  // Regression: A's attempt ends at once when it is woken, usually before A has handled the
  // close the dispatcher sent while A was frozen; its outcome went into a frame that was never
  // sent, and A forgot it. A now keeps an outcome until the dispatcher accepts or refuses it.
  test('a worker woken after the task finished elsewhere still delivers its held result, and it is refused', async () => {
    const { dir, config, db } = remoteOnlyConfig({ heartbeatTimeout: 1500 });
    const d = await startDispatcher(config);
    const a = startWorker(config, d.url, 'A');
    await waitForNodeIds(d.url, ['remote:A']);
    const b = startWorker(config, d.url, 'B');
    await waitForNodeIds(d.url, ['remote:A', 'remote:B']);
    const runId = await deployDetached(delayManifest(dir, 1500, 2), config, d.url);
    const onA = await waitForRun(d.url, runId, (run) => run.tasks[0].status === 'running', 'the task to start', 20_000);
    expect(onA.tasks[0].node).toBe('remote:A');
    a.child.kill('SIGSTOP');
    const done = await waitForRunEnd(d.url, runId, 30_000);
    expect(done.tasks[0]).toMatchObject({ status: 'succeeded', node: 'remote:B', attempts: 2 });
    const transitions = async () => (await swarmJson(['history', runId, '--db', db], config)).json.transitions.length as number;
    const before = await transitions();
    a.child.kill('SIGCONT');
    const [refused] = await a.waitForLog('the dispatcher refused a result', 15_000);
    expect(refused.level).toBe('warn');
    expect(await getJson<RunView>(d.url, `/api/runs/${runId}`)).toEqual(done);
    expect(await transitions()).toBe(before);
    expect(b.logged('the dispatcher refused a result')).toEqual([]);
  }, 90_000);

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    test(`dispatcher restart after ${signal} on the same port and database: the worker retries, registers again and runs new work`, async () => {
      const port = freePort();
      const { dir, config, db } = remoteOnlyConfig();
      const first = await startDispatcher(config, ['--port', String(port)]);
      expect(first.port).toBe(port);
      const w = startWorker(config, first.url, 'w');
      await waitForNodeIds(first.url, ['remote:w']);
      const before = await swarmJson(['deploy', delayManifest(dir, 10, 0), config, '--url', first.url]);
      expect(before.json).toMatchObject({ status: 'succeeded', tasks: [{ node: 'remote:w' }] });

      first.child.kill(signal);
      await within(first.child.exited, 15_000, `dispatcher exit after ${signal}`);
      if (signal === 'SIGTERM') expect(first.child.exitCode).toBe(0);
      else expect(first.child.signalCode).toBe('SIGKILL');
      // The worker stays up and says it reconnects (a warning naming the URL and the wait).
      const [retry] = await w.waitForLog(CLOSED, 10_000);
      expect(retry).toMatchObject({ level: 'warn', component: 'worker', url: `ws://127.0.0.1:${port}/workers` });
      expect(retry.retryInMs).toBeGreaterThan(0);
      expect(w.child.exitCode).toBeNull();

      const second = await startDispatcher(config, ['--port', String(port)]);
      expect(second.url).toBe(first.url);
      // Reconnect backoff is 500 ms doubling (jittered, capped at 30 s; not configurable): a
      // dispatcher back within a few seconds is found within a few seconds more.
      await waitForNodeIds(second.url, ['remote:w'], undefined, 20_000);
      await w.waitForLog(REGISTERED, 10_000, 2);
      expect(w.child.exitCode).toBeNull();
      const status = await swarmJson(['status', config, '--url', second.url]);
      expect(status.code).toBe(0);
      expect(status.json.nodes).toMatchObject({ active: 1, list: [{ id: 'remote:w', kind: 'remote' }] });
      // Same database: the run from before the restart is listed.
      const runs = await getJson<{ runs: { runId: string; status: string }[] }>(second.url, '/api/runs');
      expect(runs.runs).toContainEqual(expect.objectContaining({ runId: before.json.runId, status: 'succeeded' }));
      const deployed = await swarmJson(['deploy', 'examples/hello.yaml', config, '--url', second.url]);
      expect(deployed.code).toBe(0);
      expect(deployed.json.status).toBe('succeeded');
      for (const task of deployed.json.tasks) expect(task.node).toBe('remote:w');
      const shown = await swarmJson(['runs', '--db', db], config);
      expect(shown.json.runs).toHaveLength(2);
    }, 45_000);
  }

  test('a dispatcher killed mid-run and started again: the worker stops the attempts it no longer knows, and their new attempts run', async () => {
    const port = freePort();
    const { dir, config } = remoteOnlyConfig();
    const first = await startDispatcher(config, ['--port', String(port)]);
    const w = startWorker(config, first.url, 'w');
    await waitForNodeIds(first.url, ['remote:w']);
    // Both slots busy with attempts far longer than the test waits: before, the restarted
    // dispatcher's new attempts waited behind them and failed ACK_TIMEOUT (retries 0: the run failed).
    const manifest = writeManifest(
      dir,
      'long.yaml',
      `name: long\nsymbols:\n${[0, 1].map((i) => `  - {name: x${i}, type: action, retries: 0, timeout: 60000, parameters: {operation: delay, ms: 8000}}`).join('\n')}\n`,
    );
    const runId = await deployDetached(manifest, config, first.url);
    await waitForRun(first.url, runId, (run) => run.tasks.every((t) => t.status === 'running'), 'both tasks to run on the worker');
    first.child.kill('SIGKILL');
    await within(first.child.exited, 15_000, 'dispatcher exit after SIGKILL');
    const second = await startDispatcher(config, ['--port', String(port)]);
    const ended = await waitForRunEnd(second.url, runId, 45_000);
    expect({ status: ended.status, tasks: ended.tasks.map((t) => ({ name: t.name, status: t.status, error: (t.error as { code?: string } | null)?.code ?? null })) }).toEqual({
      status: 'succeeded',
      tasks: [
        { name: 'x0', status: 'succeeded', error: null },
        { name: 'x1', status: 'succeeded', error: null },
      ],
    });
    expect(w.child.exitCode).toBeNull();
  }, 60_000);

  test('auth on: workers with no token or a wrong one never register (and keep retrying); the right token (SWARM_AUTH_TOKEN) does', async () => {
    const TOKEN = 's3cret-token';
    const WRONG = 'wr0ng-token';
    const dispatcherBox = remoteOnlyConfig({ dispatcher: [`auth_token = "${TOKEN}"`], security: ['enable_auth = true'] });
    const noToken = remoteOnlyConfig();
    const wrongToken = remoteOnlyConfig({ worker: [`auth_token = "${WRONG}"`] });
    const d = await startDispatcher(dispatcherBox.config);
    const none = startWorker(noToken.config, d.url, 'none');
    const wrong = startWorker(wrongToken.config, d.url, 'wrong');
    // Each is turned away at least twice (the upgrade is answered 401), and says why, as an
    // error naming what to set: a refusal is not an outage.
    for (const w of [none, wrong]) {
      const lines = await w.waitForLog(TOKEN_REFUSED, 15_000, 2);
      expect(lines[0].level).toBe('error');
      expect(lines[0].msg).toContain('[worker] auth_token or SWARM_AUTH_TOKEN');
      expect(w.logged(UNREACHABLE)).toEqual([]);
    }
    expect(await nodeIds(d.url, TOKEN)).toEqual([]);
    // The right token, from the environment (the worker's config has none).
    const right = startWorker(noToken.config, d.url, 'right', { SWARM_AUTH_TOKEN: TOKEN });
    await waitForNodeIds(d.url, ['remote:right'], TOKEN);
    await right.waitForLog(REGISTERED, 10_000);
    const deployed = await swarmJson(['deploy', delayManifest(dispatcherBox.dir, 10, 0), dispatcherBox.config, '--url', d.url]);
    expect(deployed.json).toMatchObject({ status: 'succeeded', tasks: [{ node: 'remote:right' }] });

    // Still refused, still alive, still retrying; never registered; no token in any log.
    const retriesSoFar = wrong.logged(TOKEN_REFUSED).length;
    await wrong.waitForLog(TOKEN_REFUSED, 15_000, retriesSoFar + 1);
    expect(await nodeIds(d.url, TOKEN)).toEqual(['remote:right']);
    for (const w of [none, wrong, right]) {
      expect(w.child.exitCode).toBeNull();
      expect(w.stderr()).not.toContain(TOKEN);
      expect(w.stderr()).not.toContain(WRONG);
    }
    expect(none.logged(REGISTERED)).toEqual([]);
    expect(wrong.logged(REGISTERED)).toEqual([]);
    expect(d.stderr()).not.toContain(TOKEN);
    // Refused workers stop cleanly on SIGTERM (nothing to drain).
    expect(await none.stop('SIGTERM')).toBe(0);
    expect(await wrong.stop('SIGTERM')).toBe(0);
  }, 45_000);

  test('SIGTERM on a worker drains: its running task finishes and is reported, it exits 0, and it leaves the node list', async () => {
    const { dir, config } = remoteOnlyConfig();
    const d = await startDispatcher(config);
    const w = startWorker(config, d.url, 'w');
    await waitForNodeIds(d.url, ['remote:w']);
    const runId = await deployDetached(delayManifest(dir, 1000, 2), config, d.url);
    await waitForRun(d.url, runId, (run) => run.tasks[0].status === 'running', 'the task to start', 20_000);
    const signalledAt = Date.now();
    const code = await w.stop('SIGTERM', 15_000);
    expect(code).toBe(0);
    expect(w.stderr()).toContain('SIGTERM received: draining');
    const done = await waitForRunEnd(d.url, runId, 15_000);
    expect(done.status).toBe('succeeded');
    expect(done.tasks[0]).toMatchObject({ status: 'succeeded', node: 'remote:w', attempts: 1, error: null });
    // It was still running when the signal came, and the worker finished it (not a retry elsewhere).
    expect(done.tasks[0].finishedAt as number).toBeGreaterThanOrEqual(signalledAt);
    await waitForNodeIds(d.url, [], undefined, 10_000);
    await pollUntil(async () => (d.stderr().includes('worker drained and left') ? true : undefined), 10_000, () => `the dispatcher to log the drain; its stderr:\n${d.stderr()}`);
    expect(d.stderr()).not.toContain('worker lost');
    expect(await d.stop()).toBe(0);
  }, 45_000);

  test('SIGTERM on the dispatcher: exit 0, the run is stored cancelled, the worker is told and goes back to retrying', async () => {
    const { dir, config, db } = remoteOnlyConfig({ shutdownGrace: 300 });
    const d = await startDispatcher(config);
    const w = startWorker(config, d.url, 'w');
    await waitForNodeIds(d.url, ['remote:w']);
    const runId = await deployDetached(delayManifest(dir, 20_000, 0), config, d.url);
    await waitForRun(d.url, runId, (run) => run.tasks[0].status === 'running', 'the task to start', 20_000);
    expect(await d.stop('SIGTERM', 15_000)).toBe(0);

    const shown = await swarmJson(['show', runId, '--db', db], config);
    expect(shown.code).toBe(0);
    expect(shown.json.status).toBe('cancelled');
    expect(shown.json.tasks[0]).toMatchObject({ name: 'work', status: 'cancelled', node: 'remote:w' });

    const [told] = await w.waitForLog('the dispatcher is stopping', 10_000);
    expect(told).toMatchObject({ level: 'info', component: 'worker' });
    await w.waitForLog(UNREACHABLE, 10_000, 2);
    expect(w.child.exitCode).toBeNull();
    expect(w.logs().filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    // With nothing left to drain it stops at once, cleanly.
    expect(await w.stop('SIGTERM')).toBe(0);
  }, 45_000);

  // Regression: with no active run, `shutdown` was queued for the next flush and the server
  // closed the sockets first; a bridge now flushes what it queued before it closes.
  test('SIGTERM on an idle dispatcher also tells its workers that it is stopping', async () => {
    const { config } = remoteOnlyConfig();
    const d = await startDispatcher(config);
    const w = startWorker(config, d.url, 'w');
    await waitForNodeIds(d.url, ['remote:w']);
    expect(await d.stop('SIGTERM', 15_000)).toBe(0);
    await w.waitForLog(UNREACHABLE, 10_000);
    expect(w.logged('the dispatcher is stopping')).toHaveLength(1);
  }, 45_000);
});
