import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { freePort, killDispatchers, startDispatcher, within } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, swarmJson, writeManifest } from './helpers.ts';

/**
 * `--url a,b`: the client commands ask several dispatchers in order and use the first that
 * answers; a run another dispatcher hosts is found there. Real dispatcher processes, port 0.
 */
setDefaultTimeout(60_000);
afterEach(async () => {
  await killDispatchers();
  removeTempDirs();
});

const HELD = `name: held
symbols:
  - {name: long, type: action, timeout: 60000, parameters: {operation: delay, ms: 30000}}
`;

async function runStatus(url: string, runId: string): Promise<string> {
  return ((await (await fetch(`${url}/api/runs/${runId}`)).json()) as { status: string }).status;
}

describe('several dispatchers named with --url a,b', () => {
  test('status and deploy go to the first that answers; a control command finds the dispatcher that hosts the run', async () => {
    const a = sandbox();
    const b = sandbox({ dispatcher: 'shutdown_grace = 200' });
    const first = await startDispatcher(a.config, ['--db', a.db]);
    const second = await startDispatcher(b.config, ['--db', b.db]);
    const dead = `http://127.0.0.1:${freePort()}`;

    const status = await swarmJson(['status', a.config, '--url', `${dead},${second.url}`]);
    expect(status.code).toBe(0);
    expect(status.json.url).toBe(second.url);

    // A deploy passes over the dead one and lands on the first live one.
    const deployed = await swarmJson(['deploy', writeManifest(a.dir, 'held.yaml', HELD), a.config, '--url', `${dead},${second.url},${first.url}`, '--detach']);
    expect(deployed.code).toBe(0);
    const runId = deployed.json.runId as string;
    expect(await runStatus(second.url, runId)).toBe('running');

    // The first dispatcher has no such run: the cancel goes on to the one that hosts it.
    const cancelled = await swarmJson(['cancel', runId, a.config, '--url', `${first.url},${second.url}`]);
    expect(cancelled).toMatchObject({ code: 0, json: { runId } });
    await within(
      (async () => {
        while ((await runStatus(second.url, runId)) !== 'cancelled') await Bun.sleep(30);
      })(),
      20_000,
      'the run to be cancelled on the second dispatcher',
    );

    // A dispatcher on the same database knows the run but does not host it (409): the next one does.
    const sharing = await startDispatcher(b.config, ['--db', b.db]);
    const again = await swarmJson(['deploy', writeManifest(a.dir, 'held2.yaml', HELD.replace('name: held', 'name: held2')), a.config, '--url', second.url, '--detach']);
    const other = again.json.runId as string;
    expect((await swarmJson(['pause', other, a.config, '--url', sharing.url])).json.error.code).toBe('RUN_NOT_ACTIVE');
    const passedOn = await swarmJson(['cancel', other, a.config, '--url', `${sharing.url},${second.url}`]);
    expect(passedOn).toMatchObject({ code: 0, json: { runId: other } });

    // A run none of them has is still "no such run" (exit 2), not "no dispatcher".
    const unknown = await swarmJson(['pause', 'no-such-run', a.config, '--url', `${first.url},${second.url}`]);
    expect(unknown.code).toBe(2);
    expect(unknown.json.error.code).toBe('RUN_NOT_FOUND');
  });

  test('none answering is exit 3 naming every URL tried', async () => {
    const { config } = sandbox();
    const urls = [`http://127.0.0.1:${freePort()}`, `http://127.0.0.1:${freePort()}`];
    const result = await swarmJson(['deploy', 'examples/hello.yaml', config, '--url', urls.join(','), '--detach']);
    expect(result.code).toBe(3);
    expect(result.json.error.code).toBe('DISPATCHER_UNREACHABLE');
    for (const url of urls) expect(result.json.error.message).toContain(url);
    const empty = await swarmJson(['status', config, '--url', ' , ']);
    expect(empty.code).toBe(2);
  });
});
