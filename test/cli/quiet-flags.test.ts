/** --quiet means the same on every command that follows a run, local or on a dispatcher. */
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { killDispatchers, startDispatcher } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, swarm, swarmJson, writeManifest } from './helpers.ts';

setDefaultTimeout(60_000);
afterEach(async () => {
  await killDispatchers();
  removeTempDirs();
});

// Followed on a dispatcher, the details are its page of the run (this host's `swarm show` reads another database).
const FINAL_LINE = /^Run \S+ \(.+\) \S+ in .+: \d+ tasks?: .+\. Details: http:\/\/127\.0\.0\.1:\d+\/runs\/\S+$/;

describe('--quiet', () => {
  test('deploy, deploy --detach, replay --url and rollback --url print one line each', async () => {
    const { dir, config, db } = sandbox();
    const dispatcher = await startDispatcher(config, ['--db', db]);
    const deployed = await swarm(['deploy', 'examples/hello.yaml', '--url', dispatcher.url, '--quiet'], config);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout.trim()).toMatch(FINAL_LINE);

    const detached = await swarm(['deploy', 'examples/retry-and-rollback.yaml', '--url', dispatcher.url, '--detach', '--quiet'], config);
    expect(detached.code).toBe(0);
    const runId = detached.stdout.trim();
    expect(runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]+$/); // RID=$(swarm deploy … --detach --quiet)
    const deadline = Date.now() + 30_000;
    while ((await swarmJson(['show', runId, '--db', db], config)).json.status === 'running') {
      if (Date.now() > deadline) throw new Error('the detached run did not end');
      await Bun.sleep(100);
    }

    const replay = await swarm(['replay', runId, '--url', dispatcher.url, '--quiet'], config);
    expect(replay.code).toBe(1); // doomed fails again
    expect(replay.stdout.trim()).toMatch(FINAL_LINE);
    const replayDetached = await swarm(['replay', runId, '--url', dispatcher.url, '--quiet', '--detach'], config);
    expect(replayDetached.stdout.trim()).toMatch(/^\d{8}-\d{6}-[0-9a-f]+$/);

    const undoable = writeManifest(dir, 'undoable.yaml', 'name: undoable\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}, rollback: {name: undo-a, type: action, parameters: {operation: noop}}}\n');
    const done = await swarm(['deploy', undoable, '--url', dispatcher.url, '--quiet'], config);
    const first = /Run (\S+) /.exec(done.stdout)![1];
    const rollback = await swarm(['rollback', first, '--url', dispatcher.url, '--quiet'], config);
    expect(rollback.code).toBe(0);
    expect(rollback.stdout.trim()).toMatch(FINAL_LINE);
  });
});

describe('the dispatcher port from the config', () => {
  test('websocket_port = 0 listens on a free port; deploy and status follow a changed websocket_port without coordinator_endpoint', async () => {
    const { config, db } = sandbox({ dispatcher: 'websocket_port = 0' });
    const dispatcher = await startDispatcher(config, ['--db', db]);
    expect(Number(new URL(dispatcher.url).port)).toBeGreaterThan(0);
    // Without --url a client cannot know the free port: it says what to give.
    const lost = await swarmJson(['status'], config);
    expect(lost.code).toBe(2);
    expect(lost.json.error.message).toContain('websocket_port = 0');
    // A config that names the port the dispatcher got: clients derive the URL from it.
    const named = sandbox({ dispatcher: `websocket_port = ${new URL(dispatcher.url).port}` });
    const status = await swarmJson(['status', '--db', db], named.config);
    expect(status.code).toBe(0);
    expect(status.json.dispatcher).toBe('running');
  });
});
