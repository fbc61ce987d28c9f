import { afterEach, describe, expect, test } from 'bun:test';
import { sandbox, startSwarm, swarmJson, TIMEOUT, writeManifest, removeTempDirs } from './helpers.ts';

afterEach(removeTempDirs);

/** `first` (instant), then `wait` (a 3 s delay), then `after`. */
const SLOW = `name: slow
symbols:
  - name: first
    type: action
    parameters: {operation: noop}
  - name: wait
    type: action
    dependencies: [first]
    parameters: {operation: delay, ms: 3000}
  - name: after
    type: action
    dependencies: [wait]
    parameters: {operation: noop}
`;

describe('signals during swarm run', () => {
  test('SIGINT cancels the run: exit 1, state saved as cancelled', async () => {
    const { dir, config, db } = sandbox({ dispatcher: 'shutdown_grace = 200' });
    const manifest = writeManifest(dir, 'slow.yaml', SLOW);
    const run = startSwarm(['run', manifest, '--db', db], config);
    // Logged (console, info) when the run is deployed; the signal handlers are in place by then.
    await run.waitForStderr('run accepted');
    await Bun.sleep(300);
    run.child.kill('SIGINT');
    const result = await run.finish();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SIGINT');
    expect(result.stdout).toContain('cancelled');

    const runs = await swarmJson(['runs', '--db', db], config);
    const shown = await swarmJson(['show', runs.json.runs[0].runId, '--db', db], config);
    expect(shown.json.status).toBe('cancelled');
    expect(shown.json.tasks.find((t: { name: string }) => t.name === 'first').status).toBe('succeeded');
    expect(shown.json.tasks.find((t: { name: string }) => t.name === 'after').status).toBe('cancelled');
  }, 30_000);

  test('a second signal exits at once with code 1 (and --json still prints one JSON document)', async () => {
    const { dir, config, db } = sandbox({ dispatcher: 'shutdown_grace = 60000' });
    const manifest = writeManifest(dir, 'slow.yaml', SLOW.replace('ms: 3000', 'ms: 20000'));
    const run = startSwarm(['run', manifest, '--db', db, '--json'], config);
    await run.waitForStderr('run accepted');
    await Bun.sleep(300);
    run.child.kill('SIGINT');
    await run.waitForStderr('cancelling run');
    run.child.kill('SIGTERM');
    const result = await run.finish();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('exiting now');
    expect(JSON.parse(result.stdout).error.message).toContain('second SIGTERM');
  }, 30_000);
});

describe('signals through `npm run swarm`', () => {
  test('SIGTERM to npm reaches the swarm process (the script execs it): the run is cancelled and saved, no process is left', async () => {
    const { dir, config, db } = sandbox({ dispatcher: 'shutdown_grace = 200' });
    const manifest = writeManifest(dir, 'slow.yaml', SLOW);
    const npm = Bun.spawn(['npm', 'run', '--silent', 'swarm', '--', 'run', manifest, '--db', db], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, SWARM_CONFIG: config, PATH: `${new URL('../../node_modules/.bin', import.meta.url).pathname}:${process.env.PATH}` },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    let stderr = '';
    const decoder = new TextDecoder();
    for await (const chunk of npm.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
      if (stderr.includes('run accepted')) break;
    }
    npm.kill('SIGTERM');
    expect(await npm.exited).not.toBe(0);
    // Nothing still runs with this database: the swarm process got the signal and stopped.
    const left = Bun.spawnSync(['pgrep', '-f', db]);
    expect(left.stdout.toString().trim()).toBe('');
    const runs = await swarmJson(['runs', '--db', db], config);
    expect(runs.json.runs[0].status).toBe('cancelled');
  }, TIMEOUT);
});
