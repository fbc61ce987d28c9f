import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { sandbox, swarm, swarmJson, TIMEOUT, writeManifest, removeTempDirs } from './helpers.ts';

afterEach(removeTempDirs);

describe('swarm run', () => {
  test('examples/hello.yaml succeeds: exit 0, a task table and the run id, no progress noise off a terminal', async () => {
    const { config, db } = sandbox();
    const result = await swarm(['run', 'examples/hello.yaml', '--db', db], config);
    expect(result.code).toBe(0);
    for (const symbol of ['noop', 'greet', 'remember-greeting', 'read-greeting', 'pause', 'finish']) {
      expect(result.stdout).toContain(symbol);
    }
    expect(result.stdout).toMatch(/Run \d{8}-\d{6}-[0-9a-f]{6} \(hello\) succeeded/);
    // stdout is a pipe here: no progress bar, no terminal control sequences.
    expect(result.stdout).not.toContain('\x1b');
    expect(result.stdout).not.toContain(' settled |');
  }, TIMEOUT);

  test('--json prints exactly the run result', async () => {
    const { config, db } = sandbox();
    const { code, json } = await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
    expect(code).toBe(0);
    expect(json).toMatchObject({ name: 'hello', status: 'succeeded', totalTasks: 6, completedTasks: 6, failedTasks: 0 });
    expect(typeof json.runId).toBe('string');
    expect(json.tasks).toHaveLength(6);
    for (const task of json.tasks) {
      for (const key of ['name', 'status', 'attempts', 'output', 'error', 'node']) expect(task).toHaveProperty(key);
      expect(task.status).toBe('succeeded');
    }
    const greet = json.tasks.find((t: { name: string }) => t.name === 'greet');
    expect(greet.output).toBe('Hello from the swarm');
  }, TIMEOUT);

  test('examples/retry-and-rollback.yaml fails: exit 1, status failed', async () => {
    const { config, db } = sandbox();
    const { code, json } = await swarmJson(['run', 'examples/retry-and-rollback.yaml', '--db', db], config);
    expect(code).toBe(1);
    expect(json.status).toBe('failed');
    const byName = Object.fromEntries(json.tasks.map((t: { name: string }) => [t.name, t]));
    expect(byName.flaky).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(byName['after-doomed'].status).toBe('skipped');
    expect(byName.doomed.error.message).toContain('doomed fails');

    const text = await swarm(['run', 'examples/retry-and-rollback.yaml', '--db', db, '--quiet'], config);
    expect(text.code).toBe(1);
    expect(text.stdout.trim().split('\n')).toHaveLength(1);
    expect(text.stdout).toContain('failed');
  }, TIMEOUT);

  test('a bad manifest exits 2 and runs nothing', async () => {
    const { dir, config, db } = sandbox();
    const file = writeManifest(dir, 'bad.yaml', 'name: bad\nsymbols:\n  - name: a\n    type: action\n    dependencies: [a]\n');
    const text = await swarm(['run', file, '--db', db], config);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain(`${file}:`);
    const json = await swarmJson(['run', file, '--db', db], config);
    expect(json.code).toBe(2);
    expect(json.json.error.code).toBe('MANIFEST_INVALID');
    expect(json.json.error.issues.length).toBeGreaterThan(0);
    // Nothing ran: either no database was created at all, or it holds no run.
    const runs = await swarmJson(['runs', '--db', db], config);
    if (existsSync(db)) expect(runs.json.runs).toEqual([]);
    else expect(runs.code).toBe(3);
  }, TIMEOUT);

  test('replay, rollback, prune from the command line: lineage in runs, reused tasks in show, exit codes', async () => {
    const { dir, config, db } = sandbox();
    const broken = writeManifest(
      dir,
      'flow.yaml',
      [
        'name: flow',
        'symbols:',
        '  - {name: a, type: action, parameters: {operation: state.set, key: a, value: 1}, rollback: {name: undo-a, type: action, parameters: {operation: state.set, key: a, value: 0}}}',
        '  - {name: b, type: action, dependencies: [a], retries: 0, parameters: {operation: fail, message: broken}}',
        '',
      ].join('\n'),
    );
    const first = await swarmJson(['run', broken, '--db', db], config);
    expect(first.code).toBe(1);
    const fixed = writeManifest(dir, 'fixed.yaml', readFileSync(broken, 'utf8').replace('operation: fail, message: broken', 'operation: echo, message: fixed'));
    const replay = await swarmJson(['replay', first.json.runId, '--manifest', fixed, '--db', db], config);
    expect(replay.code).toBe(0);
    expect(replay.json).toMatchObject({ status: 'succeeded', replayOf: first.json.runId });
    expect(replay.json.tasks.map((t: { name: string; reused: boolean }) => [t.name, t.reused])).toEqual([['a', true], ['b', false]]);
    const shown = await swarm(['show', replay.json.runId, '--db', db], config);
    expect(shown.stdout).toContain('succeeded (reused)');
    const runs = await swarmJson(['runs', '--db', db], config);
    expect(runs.json.runs[0]).toMatchObject({ runId: replay.json.runId, replayOf: first.json.runId });

    // a was reused, so the replay did not do it: the run that did (the first) is the one to undo it.
    const refused = await swarmJson(['rollback', replay.json.runId, '--db', db], config);
    expect(refused.code).toBe(2);
    expect(refused.json.error.message).toContain(`"a": reused from run ${first.json.runId}`);
    const rollback = await swarmJson(['rollback', first.json.runId, '--db', db], config);
    expect(rollback.code).toBe(0);
    expect(rollback.json.status).toBe('rolled_back');
    expect(rollback.json.tasks.find((t: { name: string }) => t.name === 'a').status).toBe('rolled_back');
    const again = await swarmJson(['rollback', first.json.runId, '--db', db], config);
    expect(again.code).toBe(2);

    const unfinished = await swarmJson(['run', '--resume', first.json.runId, '--db', db], config);
    expect(unfinished.code).toBe(2);
    expect(unfinished.json.error.message).toContain('only an unfinished run can be resumed');

    const pruned = await swarmJson(['prune', '--older-than', '0s', '--db', db], config);
    expect(pruned.json).toMatchObject({ deleted: 2, olderThanMs: 0 });
    const bad = await swarmJson(['prune', '--older-than', 'soon', '--db', db], config);
    expect(bad.code).toBe(2);
  }, TIMEOUT);

  test('a bad config value exits 2, named positionally or through SWARM_CONFIG', async () => {
    const { dir, config, db } = sandbox();
    const bad = writeManifest(dir, 'bad.toml', '[coordinator]\ntask_retry_limit = "many"\n');
    const positional = await swarm(['run', 'examples/hello.yaml', bad, '--db', db], config);
    expect(positional.code).toBe(2);
    expect(positional.stderr).toContain('coordinator.task_retry_limit');

    const viaEnv = await swarmJson(['run', 'examples/hello.yaml', '--db', db], bad);
    expect(viaEnv.code).toBe(2);
    expect(viaEnv.json.error).toMatchObject({ name: 'ConfigError', code: 'CONFIG_INVALID' });
    expect(viaEnv.json.error.issues[0].key).toBe('coordinator.task_retry_limit');

    const missing = await swarm(['run', 'examples/hello.yaml', join(dir, 'nope.toml'), '--db', db], config);
    expect(missing.code).toBe(2);
  }, TIMEOUT);

  test('unknown config keys are warnings on stderr; stdout stays one JSON document', async () => {
    const { config, db } = sandbox({ dispatcher: 'mystery_key = 1' });
    const { code, json, stderr } = await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
    expect(code).toBe(0);
    expect(json.status).toBe('succeeded');
    expect(stderr).toContain('dispatcher.mystery_key');
  }, TIMEOUT);

  test('a database that cannot be opened exits 3', async () => {
    const { config } = sandbox();
    const db = '/nonexistent/dir/x.db';
    const text = await swarm(['run', 'examples/hello.yaml', '--db', db], config);
    expect(text.code).toBe(3);
    expect(text.stderr).toContain(db);
    const json = await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
    expect(json.code).toBe(3);
    expect(json.json.error.code).toBe('STORE_UNAVAILABLE');
    expect((await swarm(['runs', '--db', db], config)).code).toBe(3);
  }, TIMEOUT);

  test('a database with a damaged page: reading commands exit 3 and say the file is damaged, not "unexpected error"', async () => {
    const { config, db } = sandbox();
    expect((await swarm(['run', 'examples/hello.yaml', '--db', db, '--quiet'], config)).code).toBe(0);
    // Page 2 onwards: the runs table's pages, not the header SQLite checks when it opens the file.
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(4096 * 3, 0x55), 0, 4096 * 3, 4096);
    closeSync(fd);
    const text = await swarm(['runs', '--db', db], config);
    expect(text).toMatchObject({ code: 3 });
    expect(text.stderr).toContain('The state database failed');
    expect(text.stderr).toContain('damaged');
    expect(text.stderr).not.toContain('unexpected error');
    const json = await swarmJson(['runs', '--db', db], config);
    expect(json).toMatchObject({ code: 3, json: { error: { code: 'STORE_UNAVAILABLE' } } });
  }, TIMEOUT);

  test('a write-protected database: exit 3 naming the file, and nothing left behind that keeps it failing once it is writable again', () => {
    // Root writes any file: the commands run as nobody then (setpriv), as an ordinary user would.
    const dir = mkdtempSync(join(tmpdir(), 'swarm-readonly-'));
    chmodSync(dir, 0o777);
    try {
      const root = join(import.meta.dir, '../..');
      const config = join(dir, 'config.toml');
      writeFileSync(config, '[logging]\nfile = ""\n');
      const asUser = (args: string[]) => {
        const command = [process.execPath, join(root, 'src/cli/bin.ts'), ...args];
        const argv = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...command] : command;
        const result = Bun.spawnSync(argv, { cwd: dir, env: { ...process.env, SWARM_CONFIG: config, HOME: dir }, stdout: 'pipe', stderr: 'pipe' });
        return { code: result.exitCode, stderr: result.stderr.toString() };
      };
      const db = join(dir, 'a.db');
      expect(asUser(['run', join(root, 'examples/hello.yaml'), '--db', db, '--quiet'])).toMatchObject({ code: 0 });
      chmodSync(db, 0o444);
      const refused = asUser(['runs', '--db', db]);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain(`${db} is not writable`);
      expect([existsSync(`${db}-wal`), existsSync(`${db}-shm`)]).toEqual([false, false]);
      chmodSync(db, 0o644);
      expect(asUser(['runs', '--db', db])).toMatchObject({ code: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, TIMEOUT);

  test('--db wins over SWARM_DATABASE_URL, even one that is not a URL (it is not read then)', async () => {
    const { config, db } = sandbox();
    const env = { SWARM_DATABASE_URL: 'junk' };
    expect((await swarm(['run', 'examples/hello.yaml', '--db', db, '--quiet'], config, env)).code).toBe(0);
    expect((await swarm(['runs', '--db', db], config, env)).code).toBe(0);
    // Without --db the junk is what the command would use: refused, naming the variable.
    const without = await swarm(['runs'], config, env);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('SWARM_DATABASE_URL');
  }, TIMEOUT);

  test('a task that fails with a long error of many lines: the table of swarm run and swarm show is drawn at once, the whole error wrapped', async () => {
    const { dir, config, db } = sandbox();
    // 100 lines of PHP warnings, ~8 KB: cli-table3 took ~55 s to lay this cell out.
    const message = Array.from({ length: 100 }, (_, i) => `PHP Warning: something went wrong in /var/www/html/wp-includes/file.php on line ${i}`).join('\\n');
    const file = writeManifest(dir, 'loud.yaml', `name: loud\nsymbols:\n  - {name: s, type: action, retries: 0, parameters: {operation: fail, message: "${message}"}}\n`);
    const ran = await swarm(['run', file, '--db', db], config);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toContain('on line 99');
    const runId = /Run (\S+) \(loud\)/.exec(ran.stdout)![1];
    const shown = await swarm(['show', runId, '--db', db], config);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('on line 99');
  }, TIMEOUT);

  test('[coordinator] task_retry_limit is the default for symbols without retries', async () => {
    const { dir, db } = sandbox();
    const config = sandbox({ coordinator: 'task_retry_limit = 0' }).config;
    const file = writeManifest(dir, 'fails.yaml', 'name: fails\nsymbols:\n  - name: f\n    type: action\n    parameters: {operation: fail, message: nope}\n');
    const { code, json } = await swarmJson(['run', file, '--db', db], config);
    expect(code).toBe(1);
    expect(json.tasks[0]).toMatchObject({ name: 'f', status: 'failed', attempts: 1 });
  }, TIMEOUT);
});

describe('swarm run and show of a run of many tasks', () => {
  test('the table lists only the tasks that did not succeed, and says what it leaves out', async () => {
    const { dir, config, db } = sandbox();
    const lines = ['name: many', 'symbols:'];
    for (let i = 0; i < 250; i++) {
      const failing = i % 100 === 7; // s7, s107, s207
      lines.push(`  - name: s${i}`, '    type: action', `    parameters: {operation: ${failing ? 'fail' : 'noop'}}`, '    retries: 0');
    }
    const file = writeManifest(dir, 'many.yaml', `${lines.join('\n')}\n`);
    const run = await swarm(['run', file, '--db', db], config);
    expect(run.code).toBe(1);
    const runId = /Run (\S+) \(many\)/.exec(run.stdout)![1];
    // The command that lists every task names the database this run used.
    expect(run.stdout).toContain(`(the 3 tasks of 250 that did not succeed; swarm show ${runId} ${config} --db ${db} --json lists every task)`);
    for (const name of ['s7', 's107', 's207']) expect(run.stdout).toMatch(new RegExp(`│ ${name} +│ failed`));
    expect(run.stdout).not.toMatch(/│ s8 +│/);
    expect(run.stdout).toContain('250 tasks: 247 succeeded, 3 failed');

    const show = await swarm(['show', runId, '--db', db], config);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`(the 3 tasks of 250 that did not succeed; swarm show ${runId} ${config} --db ${db} --json lists every task)`);
    expect((await swarmJson(['show', runId, '--db', db], config)).json.tasks).toHaveLength(250);
  }, TIMEOUT);

  test('show of a big run rolled back says how many rollbacks its table leaves out', async () => {
    const { dir, config, db } = sandbox();
    const lines = ['name: undone', 'symbols:'];
    for (let i = 0; i < 201; i++) {
      lines.push(`  - name: s${i}`, '    type: action', '    parameters: {operation: noop}', `    rollback: {name: undo-s${i}, type: action, parameters: {operation: noop}}`);
    }
    const file = writeManifest(dir, 'undone.yaml', `${lines.join('\n')}\n`);
    const run = await swarm(['run', file, '--db', db, '--quiet'], config);
    const runId = /Run (\S+) \(undone\)/.exec(run.stdout)![1];
    expect((await swarm(['rollback', runId, '--db', db, '--quiet'], config)).code).toBe(0);
    const show = await swarm(['show', runId, '--db', db], config);
    expect(show.code).toBe(0);
    expect(show.stdout.trim()).toEndWith(`(the first 200 of 201 rollbacks; swarm show ${runId} ${config} --db ${db} --json --attempts has them all)`);
  }, TIMEOUT);

  test('a run of many tasks that all succeed prints no table, only what it left out', async () => {
    const { dir, config, db } = sandbox();
    const lines = ['name: fine', 'symbols:'];
    for (let i = 0; i < 201; i++) lines.push(`  - name: s${i}`, '    type: action', '    parameters: {operation: noop}');
    const file = writeManifest(dir, 'fine.yaml', `${lines.join('\n')}\n`);
    const run = await swarm(['run', file, '--db', db], config);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(all 201 tasks succeeded; the task table is left out above 200 tasks: swarm show');
    expect(run.stdout).not.toContain('│ s0 ');
  }, TIMEOUT);
});
