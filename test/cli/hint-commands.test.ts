/**
 * The commands a command prints as hints about a run carry the config and --db it was given,
 * so they can be pasted as they are: `swarm run --resume <id>` alone would open the default
 * database (exit 3). The config is given as an argument here (no SWARM_CONFIG).
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { newestRunOnceRunning, removeTempDirs, sandbox, spawnCli, swarm, swarmJson, TIMEOUT, until, writeManifest } from './helpers.ts';

afterEach(removeTempDirs);

const WAIT = resolve(import.meta.dir, '../fixtures/modules/wait-for-file.ts');

/** A run of one task that waits for `gate`, started in the background; resolves once the task runs. */
async function heldRun(dir: string, config: string, db: string) {
  const file = writeManifest(dir, 'held.yaml', `name: held\nsymbols:\n  - {name: hold, type: action, parameters: {operation: module, module: ${WAIT}, path: ${join(dir, 'gate')}}}\n`);
  const child = spawnCli(['run', file, config, '--db', db, '--quiet'], undefined);
  const stderr = new Response(child.stderr).text();
  const runId = await newestRunOnceRunning('hold', [config, '--db', db]);
  return { child, runId, stderr };
}

describe('hints name the config and database', () => {
  test('of a killed run: show, runs, rollback and history print the resume and show commands with config and --db', async () => {
    const { dir, config, db } = sandbox();
    const { child, runId } = await heldRun(dir, config, db);
    child.kill('SIGKILL');
    await child.exited;
    const where = `${config} --db ${db}`;
    const show = await swarm(['show', runId, config, '--db', db], undefined);
    expect(show.stdout).toContain(`take it up with \`swarm run --resume ${runId} ${where}\``);
    const runs = await swarm(['runs', config, '--db', db], undefined);
    expect(runs.stdout).toContain(`take it up with \`swarm run --resume <run> ${where}\``);
    const rollback = await swarmJson(['rollback', runId, config, '--db', db], undefined);
    expect(rollback.code).toBe(2);
    expect(rollback.json.error.message).toContain(`\`swarm run --resume ${runId} ${where}\``);
    const history = await swarm(['history', runId, config, '--db', db, '--symbol', 'nope'], undefined);
    expect(history.stderr).toContain(`\`swarm show ${runId} ${where}\` lists them`);
    const simulated = await swarm(['replay', runId, config, '--db', db, '--simulate', '--at', '0'], undefined);
    expect(simulated.stderr).toContain(`(see \`swarm history ${runId} ${where}\`)`);
    // Pasted as printed, it takes the run up.
    appendFileSync(join(dir, 'gate'), '');
    const hint = /`(swarm run --resume [^`]+)`/.exec(show.stdout)![1];
    const resumed = await swarm(hint.split(' ').slice(1), undefined);
    expect(resumed.code).toBe(0);
  }, TIMEOUT);

  test('RUN_FENCED: the process that lost its run says to follow it with show, config and --db', async () => {
    const { dir, config, db } = sandbox({ coordinator: 'heartbeat_interval = 100\nheartbeat_timeout = 600' });
    appendFileSync(config, '[worker]\nheartbeat_interval = 100\n');
    const { child, runId, stderr } = await heldRun(dir, config, db);
    child.kill('SIGSTOP');
    await until('the lease to run out', async () => ((await swarmJson(['show', runId, config, '--db', db], undefined)).json.interrupted ? true : undefined), 20_000);
    const resuming = spawnCli(['run', '--resume', runId, config, '--db', db, '--quiet'], undefined);
    await until('the run taken up', async () => ((await swarmJson(['show', runId, config, '--db', db], undefined)).json.interrupted ? undefined : true), 20_000);
    child.kill('SIGCONT');
    expect(await child.exited).toBe(3);
    expect(await stderr).toContain(`Follow it with \`swarm show ${runId} ${config} --db ${db}\``);
    appendFileSync(join(dir, 'gate'), '');
    expect(await resuming.exited).toBe(0);
  }, TIMEOUT);
});
