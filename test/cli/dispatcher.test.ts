import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { killDispatchers, freePort, readUntil, startDispatcher, within } from './dispatcher-process.ts';
import { removeTempDirs, ROOT, sandbox, spawnCli, startSwarm, swarm, swarmJson, writeManifest } from './helpers.ts';

// Child processes with worker threads on a shared 2-core machine; every wait inside is bounded.
setDefaultTimeout(60_000);
afterEach(async () => {
  await killDispatchers();
  removeTempDirs();
});

const SLOW = `name: slow
symbols:
  - name: first
    type: action
    parameters: {operation: noop}
  - name: wait
    type: action
    dependencies: [first]
    parameters: {operation: delay, ms: 20000}
`;

describe('start-dispatcher, deploy and status', () => {
  test('deploy examples/hello.yaml follows the run to the end; the run is in the database', async () => {
    const { config, db } = sandbox();
    const dispatcher = await startDispatcher(config, ['--db', db]);
    const deployed = await swarm(['deploy', 'examples/hello.yaml', '--url', dispatcher.url], config);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toMatch(/Run \S+ \(hello\) succeeded/);
    const runId = /Run (\S+) accepted/.exec(deployed.stdout)![1];

    const shown = await swarmJson(['show', runId, '--db', db], config);
    expect(shown.code).toBe(0);
    expect(shown.json).toMatchObject({ runId, status: 'succeeded', totalTasks: 6, completedTasks: 6 });

    const json = await swarmJson(['deploy', 'examples/hello.yaml', '--url', dispatcher.url], config);
    expect(json.code).toBe(0);
    expect(json.json).toMatchObject({ status: 'succeeded', totalTasks: 6 });
    expect(await dispatcher.stop()).toBe(0);
  });

  test('deploy --detach returns the run id at once; the run can be polled to its end', async () => {
    const { config, db } = sandbox();
    const dispatcher = await startDispatcher(config, ['--db', db]);
    const detached = await swarmJson(['deploy', 'examples/retry-and-rollback.yaml', '--url', dispatcher.url, '--detach'], config);
    expect(detached.code).toBe(0);
    const { runId } = detached.json;
    expect(Object.keys(detached.json)).toEqual(['runId']);
    const final = await within(
      (async () => {
        for (;;) {
          const run = (await (await fetch(`${dispatcher.url}/api/runs/${runId}`)).json()) as { status: string };
          if (['succeeded', 'failed', 'cancelled'].includes(run.status)) return run;
          await Bun.sleep(100);
        }
      })(),
      30_000,
      'detached run end',
    );
    expect(final.status).toBe('failed'); // the example fails on purpose
  });

  test('a bad manifest: exit 2 and nothing sent', async () => {
    const { dir, config, db } = sandbox();
    const dispatcher = await startDispatcher(config, ['--db', db]);
    const bad = writeManifest(dir, 'bad.yaml', 'name: bad\nsymbols:\n  - name: a\n    type: nonsense\n');
    const result = await swarmJson(['deploy', bad, '--url', dispatcher.url], config);
    expect(result.code).toBe(2);
    expect(result.json.error.code).toBe('MANIFEST_INVALID');
    const runs = (await (await fetch(`${dispatcher.url}/api/runs`)).json()) as { runs: unknown[] };
    expect(runs.runs).toEqual([]);
  });

  test('no dispatcher: deploy and status exit 3 and say how to start one; status still reads the database', async () => {
    const { config, db } = sandbox();
    const url = `http://127.0.0.1:${freePort()}`;
    const deployed = await swarm(['deploy', 'examples/hello.yaml', '--url', url], config);
    expect(deployed.code).toBe(3);
    expect(deployed.stderr).toContain(`no dispatcher at ${url}; start one with \`swarm start-dispatcher\``);
    const detachedJson = await swarmJson(['deploy', 'examples/hello.yaml', '--url', url, '--detach'], config);
    expect(detachedJson.code).toBe(3);
    expect(detachedJson.json.error.code).toBe('DISPATCHER_UNREACHABLE');

    // A database to read: one run made with `swarm run`.
    expect((await swarm(['run', 'examples/hello.yaml', '--db', db, '--quiet'], config)).code).toBe(0);
    const text = await swarm(['status', '--url', url, '--db', db], config);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(`Dispatcher: not running (no answer at ${url})`);
    expect(text.stdout).toContain('runs: 1 records');
    const json = await swarmJson(['status', '--url', url, '--db', db], config);
    expect(json.code).toBe(3);
    expect(json.json).toMatchObject({ dispatcher: 'down', url, database: { counts: { runs: 1, tasks: 6 }, runsByStatus: { succeeded: 1 } } });
    // Several URLs, none answering: the text names every one it tried.
    const other = `http://127.0.0.1:${freePort()}`;
    const both = await swarm(['status', '--url', `${url},${other}`, '--db', db], config);
    expect(both.code).toBe(3);
    expect(both.stdout).toContain(`Dispatcher: not running (no answer at ${url} or ${other})`);
  });

  test('status against a running dispatcher: the report, as text and as JSON', async () => {
    const { config, db } = sandbox();
    const dispatcher = await startDispatcher(config, ['--db', db]);
    expect((await swarm(['deploy', 'examples/hello.yaml', '--url', dispatcher.url], config)).code).toBe(0);
    const text = await swarm(['status', '--url', dispatcher.url], config);
    expect(text.code).toBe(0);
    for (const line of ['Coordinator Status:', '  Active nodes: 1', '    Idle: 1', '  Completed tasks: 6', 'Active workflows: 0', '  tasks: 6 records']) {
      expect(text.stdout).toContain(line);
    }
    const json = await swarmJson(['status', '--url', dispatcher.url], config);
    expect(json.code).toBe(0);
    expect(json.json).toMatchObject({
      dispatcher: 'running',
      url: dispatcher.url,
      nodes: { active: 1, idle: 1, busy: 0 },
      tasks: { queued: 0, running: 0, completed: 6, failed: 0 },
      workflows: { active: 0 },
      database: { counts: { runs: 1, tasks: 6 } },
    });
    const metrics = await (await fetch(`${dispatcher.url}/metrics`)).text();
    for (const name of ['swarm_nodes', 'swarm_queue_depth', 'swarm_tasks', 'swarm_task_duration_seconds', 'process_resident_memory_bytes']) {
      expect(metrics).toContain(`# TYPE ${name} `);
    }
  });

  test('auth: the API needs the token; deploy and status send the configured one', async () => {
    const { dir, config: withAuth, db } = sandbox({ dispatcher: 'auth_token = "t0ken"' });
    appendFileSync(withAuth, '\n[security]\nenable_auth = true\nmax_message_size = 1024\n');
    const dispatcher = await startDispatcher(withAuth, ['--db', db]);
    expect(dispatcher.stderr()).not.toContain('t0ken');
    expect((await fetch(`${dispatcher.url}/api/status`)).status).toBe(401);
    expect((await fetch(`${dispatcher.url}/health`)).status).toBe(200);
    const status = await swarmJson(['status', '--url', dispatcher.url], withAuth);
    expect(status.code).toBe(0);
    const tiny = writeManifest(dir, 'tiny.yaml', 'name: tiny\nsymbols:\n  - {name: noop, type: action}\n');
    const deployed = await swarmJson(['deploy', tiny, '--url', dispatcher.url], withAuth);
    expect(deployed.code).toBe(0);
    // Bigger than max_message_size: refused with 413, exit 2 with a hint.
    const tooBig = await swarm(['deploy', 'examples/hello.yaml', '--url', dispatcher.url], withAuth);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toContain('max_message_size');
    // A client without the token: refused, exit 2 (fix the config), with a hint.
    const { config: noToken } = sandbox();
    const refused = await swarm(['status', '--url', dispatcher.url], noToken);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('shared token');
    // Oversized body and wrong Host, through the real process.
    const headers = { authorization: 'Bearer t0ken', 'content-type': 'application/json' };
    const big = await fetch(`${dispatcher.url}/api/runs`, { method: 'POST', headers, body: JSON.stringify({ source: 'x'.repeat(4000) }) });
    expect(big.status).toBe(413);
    expect((await fetch(`${dispatcher.url}/api/status`, { headers: { ...headers, host: 'evil.example' } })).status).toBe(403);
  });

  test('[dispatcher] manifest_path is deployed at start, named workflow_name', async () => {
    const hello = join(ROOT, 'examples/hello.yaml');
    const { config, db } = sandbox({ dispatcher: `manifest_path = ${JSON.stringify(hello)}\nworkflow_name = "nightly"` });
    const dispatcher = await startDispatcher(config, ['--db', db]);
    const runs = await within(
      (async () => {
        for (;;) {
          const list = (await (await fetch(`${dispatcher.url}/api/runs`)).json()) as { runs: { name: string; status: string }[] };
          if (list.runs[0]?.status === 'succeeded') return list.runs;
          await Bun.sleep(100);
        }
      })(),
      20_000,
      'startup run end',
    );
    expect(runs.map((r) => r.name)).toEqual(['nightly']);
    expect(await dispatcher.stop()).toBe(0);
  });

  test('refuses a bind beyond loopback without a token (exit 2); a port in use is exit 3', async () => {
    const { config, db } = sandbox({ dispatcher: 'bind = "0.0.0.0"' });
    const open = await swarm(['start-dispatcher', '--db', db, '--port', '0'], config);
    expect(open.code).toBe(2);
    expect(open.stderr).toContain('dispatcher.auth_token');

    const { config: ok, db: db2 } = sandbox();
    const first = await startDispatcher(ok, ['--db', db2]);
    const second = await swarmJson(['start-dispatcher', '--db', db2, '--port', String(first.port)], ok);
    expect(second.code).toBe(3);
    expect(second.json.error.message).toContain('in use');
    // The first one is untouched.
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
  });

  test('while it drains after SIGTERM, /health answers 503 "stopping" and status says it accepts no run', async () => {
    const { dir, config, db } = sandbox({ dispatcher: 'shutdown_grace = 60000' });
    const dispatcher = await startDispatcher(config, ['--db', db]);
    const manifest = writeManifest(dir, 'slow.yaml', SLOW);
    expect((await swarm(['deploy', manifest, '--detach', '--quiet', '--url', dispatcher.url], config)).code).toBe(0);
    expect((await fetch(`${dispatcher.url}/health`)).status).toBe(200);
    dispatcher.child.kill('SIGTERM');
    const health = await within(
      (async () => {
        for (;;) {
          const answer = await fetch(`${dispatcher.url}/health`);
          if (answer.status === 503) return (await answer.json()) as { status: string; error: { code: string } };
          await Bun.sleep(20);
        }
      })(),
      15_000,
      '/health 503 while stopping',
    );
    expect(health.status).toBe('stopping');
    expect(health.error.code).toBe('DISPATCHER_STOPPING');
    const text = await swarm(['status', '--url', dispatcher.url], config);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('ACCEPTS NO RUN: The dispatcher is stopping');
    const json = await swarmJson(['status', '--url', dispatcher.url], config);
    expect(json.json.refusesRuns).toContain('stopping');
    // Not waiting out the 60 s grace. (A second SIGTERM would end it too, but under npm, which
    // forwards signals, one within 300 ms of the first counts as the same press: signals.test.ts.)
    dispatcher.child.kill('SIGKILL');
    await within(dispatcher.child.exited, 15_000, 'dispatcher exit after SIGKILL');
  });

  test('SIGTERM as soon as the log says it listens: it stops as after any SIGTERM, exit 0 (the handlers are in before it listens)', async () => {
    // A deploy can come as soon as it listens; a signal then used to kill it outright (exit 143)
    // in most tries. Three tries: each would have failed more often than not.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { config, db } = sandbox();
      const child = spawnCli(['start-dispatcher', '--port', '0', '--db', db], config);
      // The signal goes in the same turn as the chunk that says it: as a script watching the
      // log would send it at the earliest. Bounded by the test's timeout.
      await readUntil(
        child.stderr,
        (text) => text.includes('dispatcher listening'),
        async (text) => new Error(`start-dispatcher exited before listening:\n${text}`),
      );
      child.kill('SIGTERM');
      // The rest of its output is read, so it never blocks on a full pipe.
      const rest = child.stderr.getReader();
      void (async () => {
        while (!(await rest.read()).done);
      })();
      expect({ attempt, code: await within(child.exited, 20_000, 'dispatcher exit after SIGTERM') }).toEqual({ attempt, code: 0 });
    }
  });

  test('SIGTERM: the dispatcher cancels its run, exits 0, and the database is consistent; the follower sees the end', async () => {
    const { dir, config, db } = sandbox({ dispatcher: 'shutdown_grace = 200' });
    const dispatcher = await startDispatcher(config, ['--db', db]);
    const manifest = writeManifest(dir, 'slow.yaml', SLOW);
    const follower = startSwarm(['deploy', manifest, '--url', dispatcher.url], config);
    // Wait until the slow task runs (so `first` has succeeded: one merely handed to a thread
    // when the signal comes is cancelled at once, as nothing new starts).
    await within(
      (async () => {
        for (;;) {
          const listed = (await (await fetch(`${dispatcher.url}/api/runs?limit=1`)).json()) as { runs: { runId: string }[] };
          const runId = listed.runs[0]?.runId;
          if (runId !== undefined) {
            const run = (await (await fetch(`${dispatcher.url}/api/runs/${runId}`)).json()) as { tasks: { name: string; status: string }[] };
            if (run.tasks.find((t) => t.name === 'wait')?.status === 'running') return;
          }
          await Bun.sleep(50);
        }
      })(),
      15_000,
      'slow task start',
    );
    expect(await dispatcher.stop('SIGTERM', 15_000)).toBe(0);
    const followed = await within(follower.finish(), 15_000, 'deploy exit');
    expect(followed.code).toBe(1);
    expect(followed.stdout).toContain('cancelled');

    const runs = await swarmJson(['runs', '--db', db], config);
    expect(runs.json.runs).toHaveLength(1);
    const shown = await swarmJson(['show', runs.json.runs[0].runId, '--db', db], config);
    expect(shown.json.status).toBe('cancelled');
    const statuses = Object.fromEntries(shown.json.tasks.map((t: { name: string; status: string }) => [t.name, t.status]));
    expect(statuses).toEqual({ first: 'succeeded', wait: 'cancelled' });
  });
});
