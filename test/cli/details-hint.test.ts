/** The "Details:" a run's last line points at works as printed: the same database, or the dispatcher's page. */
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { killDispatchers, startDispatcher } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, swarm, writeManifest } from './helpers.ts';

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

describe('where every rollback of a big run is listed', () => {
  test('deploy (waiting for the run): the table of rollbacks names the swarm show command to run on the dispatcher\'s host', async () => {
    const { dir, config, db } = sandbox();
    const lines = ['name: undone', 'rollback_policy: saga', 'symbols:'];
    for (let i = 0; i < 201; i++) {
      lines.push(`  - name: s${i}`, '    type: action', '    parameters: {operation: noop}', `    rollback: {name: undo-s${i}, type: action, parameters: {operation: noop}}`);
    }
    lines.push('  - name: last', '    type: action', `    dependencies: [${Array.from({ length: 201 }, (_, i) => `s${i}`).join(', ')}]`, '    parameters: {operation: fail, message: undo everything}');
    const file = writeManifest(dir, 'undone.yaml', `${lines.join('\n')}\n`);
    const dispatcher = await startDispatcher(config, ['--db', db]);
    const deployed = await swarm(['deploy', file, '--url', dispatcher.url], config);
    expect(deployed.code).toBe(1);
    const runId = /Run (\S+) \(undone\)/.exec(deployed.stdout)![1];
    expect(deployed.stdout).toContain(`(the first 200 of 201 rollbacks; swarm show ${runId} --json --attempts on the dispatcher's host has them all)`);
  });
});
