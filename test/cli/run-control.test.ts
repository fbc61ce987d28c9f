import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { killDispatchers, readUntil, startDispatcher, within } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, spawnCli, swarm, swarmJson, writeManifest } from './helpers.ts';

// A dispatcher child process and the CLI against it; every wait is bounded.
setDefaultTimeout(60_000);
afterEach(async () => {
  await killDispatchers();
  removeTempDirs();
});

/** Polls the run until `match` holds (bounded). */
async function waitForRun(url: string, runId: string, match: (run: any) => boolean, what: string): Promise<any> {
  return within(
    (async () => {
      for (;;) {
        const run = await (await fetch(`${url}/api/runs/${runId}`)).json();
        if (match(run)) return run;
        await Bun.sleep(30);
      }
    })(),
    20_000,
    what,
  );
}

const CHAIN = `name: chain
symbols:
  - {name: one, type: action, parameters: {operation: delay, ms: 2500}}
  - {name: two, type: action, dependencies: [one], parameters: {operation: delay, ms: 10}}
  - {name: three, type: action, dependencies: [two], retries: 0, parameters: {operation: fail, message: broken}}
`;

describe('run control and replay against a running dispatcher', () => {
  test('pause holds the next task, resume lets it go, cancel ends the run; unknown or finished runs are exit 2', async () => {
    const { dir, config, db } = sandbox();
    const d = await startDispatcher(config, ['--db', db]);
    const deployed = await swarmJson(['deploy', writeManifest(dir, 'chain.yaml', CHAIN), config, '--url', d.url, '--detach']);
    const runId = deployed.json.runId as string;
    await waitForRun(d.url, runId, (r) => r.tasks[0].status === 'running', 'the first task to run');
    // A unique prefix of the id is enough, as for show: the dispatcher answers with the full id.
    const paused = await swarmJson(['pause', runId.slice(0, 12), config, '--url', d.url]);
    expect(paused).toMatchObject({ code: 0, json: { runId, status: 'paused' } });
    // `one` finishes, but `two` does not start while the run is paused.
    await waitForRun(d.url, runId, (r) => r.tasks[0].status === 'succeeded', 'the first task to finish');
    await Bun.sleep(300);
    const held = await waitForRun(d.url, runId, () => true, 'the run');
    expect(held.status).toBe('paused');
    // Ready (its dependency succeeded) but held: no attempt has started.
    expect(held.tasks[1]).toMatchObject({ status: 'ready', attempts: 0, startedAt: null });
    // A replay now would run `two` beside the paused original, which can still be resumed.
    const early = await swarmJson(['replay', runId, config, '--url', d.url]);
    expect(early.code).toBe(2);
    expect(early.json.error.message).toEndWith(`refused the request: Run ${runId} is still active here; cancel it first (swarm cancel ${runId}), or let it end, then replay it.`);
    expect((await swarmJson(['resume', runId, config, '--url', d.url])).code).toBe(0);
    const ended = await waitForRun(d.url, runId, (r) => r.status === 'failed', 'the run to end');
    expect(ended.tasks.map((t: { status: string }) => t.status)).toEqual(['succeeded', 'succeeded', 'failed']);

    const notActive = await swarmJson(['cancel', runId, config, '--url', d.url]);
    expect(notActive.code).toBe(2);
    expect(notActive.json.error.message).toContain('not active');
    // The dispatcher's own code, as its API gave it (exit 2 all the same).
    expect(notActive.json.error.code).toBe('RUN_NOT_ACTIVE');
    const unknown = await swarmJson(['pause', 'no-such-run', config, '--url', d.url]);
    expect(unknown.code).toBe(2);
    expect(unknown.json.error.code).toBe('RUN_NOT_FOUND');

    // Replay on the dispatcher: one and two are carried over, three runs again (and fails again).
    const replay = await swarmJson(['replay', runId, config, '--url', d.url]);
    expect(replay.code).toBe(1);
    expect(replay.json).toMatchObject({ replayOf: runId, status: 'failed' });
    expect(replay.json.tasks.map((t: { reused: boolean }) => t.reused)).toEqual([true, true, false]);

    const slow = await swarmJson(['deploy', writeManifest(dir, 'slow.yaml', 'name: slow\nsymbols:\n  - {name: wait, type: action, parameters: {operation: delay, ms: 20000}}\n'), config, '--url', d.url, '--detach']);
    await waitForRun(d.url, slow.json.runId, (r) => r.tasks[0].status === 'running', 'the slow task to run');
    // Three runs now share the date at the head of their ids: a prefix of it names none of them.
    const ambiguous = await swarmJson(['cancel', runId.slice(0, 4), config, '--url', d.url]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.json.error.message).toContain(`"${runId.slice(0, 4)}" matches 3 runs; give more of the id`);
    expect((await swarmJson(['cancel', slow.json.runId, config, '--url', d.url])).code).toBe(0);
    const cancelled = await waitForRun(d.url, slow.json.runId, (r) => r.status === 'cancelled', 'the cancel');
    expect(cancelled.tasks[0].status).toBe('cancelled');
  });

  test('pause or resume of a run being cancelled is refused (exit 2), not claimed', async () => {
    // A long grace: the run stays `cancelling` while its running task may still finish.
    const { dir, config, db } = sandbox({ dispatcher: 'shutdown_grace = 60000' });
    const d = await startDispatcher(config, ['--db', db]);
    const slow = await swarmJson(['deploy', writeManifest(dir, 'slow.yaml', 'name: slow\nsymbols:\n  - {name: wait, type: action, parameters: {operation: delay, ms: 20000}}\n'), config, '--url', d.url, '--detach']);
    const runId = slow.json.runId as string;
    await waitForRun(d.url, runId, (r) => r.tasks[0].status === 'running', 'the slow task to run');
    // Cancelling from the moment the dispatcher accepted the cancel (202).
    expect((await swarmJson(['cancel', runId, config, '--url', d.url])).code).toBe(0);
    for (const verb of ['pause', 'resume']) {
      const refused = await swarmJson([verb, runId, config, '--url', d.url]);
      expect({ verb, code: refused.code }).toEqual({ verb, code: 2 });
      expect(refused.json.error.code).toBe('RUN_STATE_CONFLICT');
      expect(refused.json.error.message).toContain(`Run ${runId} is cancelling: it cannot be ${verb === 'pause' ? 'paused' : 'resumed'} now.`);
    }
    // Nothing changed: not paused, and its task still runs out its grace.
    const after = await waitForRun(d.url, runId, () => true, 'the run');
    expect(after.status).toBe('running');
    expect(after.tasks[0].status).toBe('running');
  });

  test('cancel of a run rolling back is refused (exit 2): rollbacks run to their end', async () => {
    const { dir, config, db } = sandbox();
    const d = await startDispatcher(config, ['--db', db]);
    const saga = [
      'name: saga',
      'rollback_policy: saga',
      'symbols:',
      '  - {name: done, type: action, parameters: {operation: noop}, rollback: {name: undo, type: action, parameters: {operation: delay, ms: 20000}}}',
      '  - {name: breaks, type: action, dependencies: [done], retries: 0, parameters: {operation: fail, message: broken}}',
      '',
    ].join('\n');
    const deployed = await swarmJson(['deploy', writeManifest(dir, 'saga.yaml', saga), config, '--url', d.url, '--detach']);
    const runId = deployed.json.runId as string;
    // `breaks` failed, so the saga rolls `done` back: its rollback (20 s) is running.
    await waitForRun(d.url, runId, (r) => r.tasks[0].status === 'rolling_back', 'the rollback to run');
    const refused = await swarmJson(['cancel', runId, config, '--url', d.url]);
    expect(refused.code).toBe(2);
    expect(refused.json.error.code).toBe('RUN_STATE_CONFLICT');
    expect(refused.json.error.message).toContain(`Run ${runId} is compensating: it cannot be cancelled now.`);
  });

  test('a paused run whose dispatcher died goes on under swarm run --resume (nothing could resume it there)', async () => {
    // Before, it was taken up paused and waited for ever: no API reaches a `swarm run`.
    const { dir, config, db } = sandbox();
    const gate = join(dir, 'gate');
    const wait = resolve(import.meta.dir, '../fixtures/modules/wait-for-file.ts');
    const d = await startDispatcher(config, ['--db', db]);
    const held = CHAIN.replace('{operation: delay, ms: 2500}', `{operation: module, module: ${wait}, path: ${gate}}`);
    const deployed = await swarmJson(['deploy', writeManifest(dir, 'chain.yaml', held), config, '--url', d.url, '--detach']);
    const runId = deployed.json.runId as string;
    await waitForRun(d.url, runId, (r) => r.tasks[0].status === 'running', 'the first task to run');
    expect((await swarmJson(['pause', runId, config, '--url', d.url])).code).toBe(0);
    writeFileSync(gate, '');
    await waitForRun(d.url, runId, (r) => r.status === 'paused' && r.tasks[0].status === 'succeeded', 'the run to be paused, its first task done');
    await d.stop('SIGKILL');
    const resumed = await within(swarm(['run', '--resume', runId, config, '--db', db]), 30_000, 'run --resume');
    expect(resumed.stderr).toContain(`run ${runId} was paused; it goes on here`);
    expect(resumed.stdout).toContain('failed'); // its last symbol fails on purpose: the run went to its end
    const shown = await swarmJson(['show', runId, config, '--db', db]);
    expect(shown.json.tasks.map((t: { status: string }) => t.status)).toEqual(['succeeded', 'succeeded', 'failed']);
  });

  test('Ctrl-C while deploy follows a run stops following (exit 1), not the run', async () => {
    const { dir, config, db } = sandbox();
    const gate = join(dir, 'gate');
    const wait = resolve(import.meta.dir, '../fixtures/modules/wait-for-file.ts');
    const d = await startDispatcher(config, ['--db', db]);
    const file = writeManifest(dir, 'held.yaml', `name: held\nsymbols:\n  - {name: h, type: action, parameters: {operation: module, module: ${wait}, path: ${gate}}}\n`);
    const follower = spawnCli(['deploy', file, '--url', d.url], config);
    // Signalled once it says it follows (its handlers are in by then; earlier, SIGINT's default kills it: 130).
    const said = await within(readUntil(follower.stdout, (t) => t.includes('following it'), async (t) => new Error(`deploy ended early:\n${t}`)), 20_000, 'the deploy to follow');
    const runId = /Run (\S+) accepted/.exec(said)![1];
    await waitForRun(d.url, runId, (r) => r.tasks[0].status === 'running', 'the task to run');
    follower.kill('SIGINT');
    const [stderr, code] = await Promise.all([new Response(follower.stderr).text(), follower.exited]);
    expect({ code, stderr }).toMatchObject({ code: 1, stderr: expect.stringContaining('the run was not cancelled and goes on on the dispatcher') });
    expect(((await (await fetch(`${d.url}/api/runs/${runId}`)).json()) as { status: string }).status).toBe('running');
  });

  test('without a dispatcher the control commands exit 3', async () => {
    const { config } = sandbox();
    const none = await swarmJson(['cancel', 'some-run', config, '--url', 'http://127.0.0.1:9']);
    expect(none.code).toBe(3);
  });

  test('a config file given where the run goes is named as such, not looked for as a dispatcher', async () => {
    const { config } = sandbox();
    const swapped = await swarmJson(['cancel', config]);
    expect(swapped.code).toBe(2);
    expect(swapped.json.error.message).toBe(`"${config}" is a config file, not a run: the run comes first (swarm cancel <run> ${config}).`);
  });

  test('an empty run id is a usage error, not a request for a route that does not exist', async () => {
    const { config } = sandbox();
    for (const verb of ['pause', 'resume', 'cancel']) {
      const empty = await swarmJson([verb, '', config, '--url', 'http://127.0.0.1:9']);
      expect({ verb, code: empty.code, message: empty.json.error.message }).toEqual({ verb, code: 2, message: expect.stringContaining('needs a run id') });
    }
  });

  test('replay --detach without --url is refused: a local replay ends with the command', async () => {
    const { config, db } = sandbox();
    const detached = await swarmJson(['replay', 'some-run', config, '--db', db, '--detach']);
    expect(detached.code).toBe(2);
    expect(detached.json.error.message).toStartWith('--detach goes with --url');
  });
});
