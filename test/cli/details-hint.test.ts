/** The "Details:" a run's last line points at works as printed: the same database, or the dispatcher's page. */
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { killDispatchers, startDispatcher } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, swarm } from './helpers.ts';

setDefaultTimeout(60_000);
afterEach(async () => {
  await killDispatchers();
  removeTempDirs();
});

describe('where the details of a run are', () => {
  test('swarm run with a config and --db: the printed swarm show command names them, and finds the run', async () => {
    const { config, db } = sandbox();
    // The config as an argument, not from the environment: the command must carry it.
    const run = await swarm(['run', 'examples/hello.yaml', config, '--db', db, '--quiet']);
    expect(run.code).toBe(0);
    const details = /Details: (swarm show .+)$/.exec(run.stdout.trim())![1];
    const runId = /^Run (\S+) /.exec(run.stdout.trim())![1];
    expect(details).toBe(`swarm show ${runId} ${config} --db ${db}`);
    const shown = await swarm(details.split(' ').slice(1));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(runId);
  });

  test('a run in an in-memory database points nowhere, whether --db or the config put it there', async () => {
    const { config } = sandbox();
    const run = await swarm(['run', 'examples/hello.yaml', config, '--db', ':memory:', '--quiet']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toEndWith('Details: none (the database was in memory, and is gone)');
    const inMemory = sandbox({ dispatcher: 'state_db_path = ":memory:"' });
    const fromConfig = await swarm(['run', 'examples/hello.yaml', inMemory.config, '--quiet']);
    expect(fromConfig.stdout.trim()).toEndWith('Details: none (the database was in memory, and is gone)');
  });

  test('deploy: the dispatcher dashboard page of the run, which the dispatcher serves', async () => {
    const { config, db } = sandbox();
    const dispatcher = await startDispatcher(config, ['--db', db]);
    const deployed = await swarm(['deploy', 'examples/hello.yaml', '--url', dispatcher.url, '--detach'], config);
    expect(deployed.code).toBe(0);
    const page = /Details: (\S+)$/.exec(deployed.stdout.trim())![1];
    const runId = /^Run (\S+) /.exec(deployed.stdout.trim())![1];
    expect(page).toBe(`${dispatcher.url}/runs/${runId}`);
    const response = await fetch(page);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
  });
});
