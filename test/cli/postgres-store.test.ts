/**
 * The CLI on a PostgreSQL state database: a run made with `swarm run` and a config whose
 * `[dispatcher] state_db_url` names the server, read back by the commands that read the store
 * (runs, show, history, replay --simulate, status, prune), with SWARM_DATABASE_URL and --db
 * choosing it too. Each test gets a schema of its own through the URL's search_path.
 */
import { SQL } from 'bun';
import { afterAll, afterEach, expect, test } from 'bun:test';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestSchemas, closedPort, describeWithPostgres } from '../support/postgres.ts';
import { removeTempDirs, sandbox, spawnCli, swarm, swarmJson, TIMEOUT } from './helpers.ts';

afterEach(removeTempDirs);

/** `swarm …args --json` with extra environment variables; stdout parsed. */
async function swarmJsonWith(args: string[], config: string, env: Record<string, string>) {
  const result = await swarm([...args, '--json'], config, env);
  try {
    return { ...result, json: JSON.parse(result.stdout) };
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

describeWithPostgres('swarm on PostgreSQL', (url) => {
  const schemas = new TestSchemas(url);
  const admin = new SQL(url, { max: 1, connectionTimeout: 5 });
  afterAll(async () => {
    await schemas.dropAll();
    await admin.close({ timeout: 1 });
  });

  /** A fresh schema, and the store URL that selects it. */
  async function database(): Promise<{ schema: string; storeUrl: string }> {
    const schema = schemas.next();
    await admin.unsafe(`CREATE SCHEMA "${schema}"`);
    return { schema, storeUrl: `${url}${url.includes('?') ? '&' : '?'}search_path=${schema}` };
  }

  test('run with state_db_url, then runs / show / history / replay --simulate / status / prune read it back', async () => {
    const { schema, storeUrl } = await database();
    const { dir, config } = sandbox({ dispatcher: `state_db_url = "${storeUrl}"` });

    const run = await swarmJson(['run', 'examples/hello.yaml'], config);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ name: 'hello', status: 'succeeded', completedTasks: 6 });
    const runId: string = run.json.runId;
    // Nothing went to SQLite: no database file next to the config.
    expect(readdirSync(dir).filter((name) => name.endsWith('.db'))).toEqual([]);
    const [{ n }] = await admin.unsafe(`SELECT count(*)::int AS n FROM "${schema}".transitions WHERE run_id = $1`, [runId]);
    expect(n).toBeGreaterThan(10);

    const runs = await swarmJson(['runs'], config);
    expect(runs.code).toBe(0);
    expect(runs.json.runs.map((r: { runId: string }) => r.runId)).toEqual([runId]);

    const show = await swarmJson(['show', runId.slice(0, 17)], config);
    expect(show.code).toBe(0);
    expect(show.json).toMatchObject({ runId, status: 'succeeded' });
    expect(show.json.tasks.find((t: { name: string }) => t.name === 'greet')).toMatchObject({ output: 'Hello from the swarm' });

    const history = await swarmJson(['history', runId], config);
    expect(history.code).toBe(0);
    const seqs: number[] = history.json.transitions.map((t: { seq: number }) => t.seq);
    expect(seqs.length).toBe(n);
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1])).toBe(true);

    const simulated = await swarmJson(['replay', runId, '--simulate'], config);
    expect(simulated.code).toBe(0);
    expect(simulated.json).toMatchObject({ runId, reproduced: true, divergence: null });

    // No dispatcher answers on this port: status reads the database itself and exits 3.
    const status = await swarm(['status', '--url', `http://127.0.0.1:${closedPort()}`], config);
    expect(status.code).toBe(3);
    expect(status.stdout).toContain(`search_path=${schema}`);
    expect(status.stdout).toMatch(/runs: 1 record/);

    const prune = await swarmJson(['prune', '--older-than', '1m', '--dry-run'], config);
    expect(prune.code).toBe(0);
    expect(prune.json).toMatchObject({ dryRun: true, wouldDelete: 0 });
  }, TIMEOUT);

  test('SWARM_DATABASE_URL overrides the config; --db with a path or a URL overrides both', async () => {
    const { storeUrl } = await database();
    const { dir, config, db } = sandbox();
    const viaEnv = await swarmJsonWith(['run', 'examples/hello.yaml'], config, { SWARM_DATABASE_URL: storeUrl });
    expect(viaEnv.code).toBe(0);
    expect(existsSync(join(dir, 'swarm-state.db'))).toBe(false);

    const listed = await swarmJsonWith(['runs'], config, { SWARM_DATABASE_URL: storeUrl });
    expect(listed.json.runs.map((r: { runId: string }) => r.runId)).toEqual([viaEnv.json.runId]);
    const byFlag = await swarmJson(['runs', '--db', storeUrl], config);
    expect(byFlag.json.runs).toHaveLength(1);

    // An explicit --db path wins over the environment's URL: a new, empty SQLite file.
    const sqlite = await swarm(['run', 'examples/hello.yaml', '--db', db, '--quiet'], config, { SWARM_DATABASE_URL: storeUrl });
    expect(sqlite.code).toBe(0);
    expect(existsSync(db)).toBe(true);
    expect((await swarmJsonWith(['runs'], config, { SWARM_DATABASE_URL: storeUrl })).json.runs).toHaveLength(1);
  }, TIMEOUT);

  // Needs the server binaries here, for a cluster of its own to stop (scripts/postgres-up.sh).
  const script = join(import.meta.dir, '../../scripts/postgres-up.sh');
  const ownCluster = `/tmp/swarm-pg-cli-test-${process.pid}`;
  afterAll(() => {
    Bun.spawnSync(['bash', script, 'stop'], { env: { ...process.env, SWARM_POSTGRES_DIR: ownCluster } });
  });

  test.skipIf(!existsSync('/usr/lib/postgresql') && process.env.CI !== 'true')(
    'the server stops during `swarm run` for longer than db_outage_timeout: the outage is logged, then exit 3, the state database unavailable',
    async () => {
      const env = { ...process.env, SWARM_POSTGRES_DIR: ownCluster };
      const up = Bun.spawnSync(['bash', script], { env, stderr: 'pipe' });
      expect(up.exitCode).toBe(0);
      const privateUrl = up.stdout.toString().trim();
      // It rides the outage out for a second (db_outage_timeout), then gives up.
      const { dir, config } = sandbox({ dispatcher: `state_db_url = "${privateUrl}"\ndb_outage_timeout = 1000` });
      // A chain of short delays: a commit every ~50 ms for several seconds.
      const symbols = Array.from({ length: 100 }, (_, i) =>
        `  - {name: s${i}, type: action, ${i > 0 ? `dependencies: [s${i - 1}], ` : ''}parameters: {operation: delay, ms: 50}}`,
      );
      const manifest = join(dir, 'chain.yaml');
      writeFileSync(manifest, ['name: chain', 'symbols:', ...symbols, ''].join('\n'));
      const run = spawnCli(['run', manifest, '--json'], config);
      try {
        // Stop the server once the run is under way (its second symbol has started).
        const watcher = new SQL(privateUrl, { max: 1, connectionTimeout: 5 });
        const deadline = Date.now() + 20_000;
        while (!(await watcher`SELECT 1 FROM to_regclass('tasks') t WHERE t IS NOT NULL`).length ||
          !(await watcher`SELECT 1 FROM tasks WHERE name = 's1' AND status <> 'pending'`).length) {
          if (Date.now() > deadline) throw new Error('the run did not get under way within 20 s');
          await Bun.sleep(20);
        }
        await watcher.close({ timeout: 0 });
        expect(Bun.spawnSync(['bash', script, 'stop'], { env }).exitCode).toBe(0);
        const [code, stdout, stderr] = await Promise.all([run.exited, new Response(run.stdout).text(), new Response(run.stderr).text()]);
        expect(code).toBe(3);
        const result = JSON.parse(stdout);
        expect(result.error.code).toBe('STORE_UNAVAILABLE');
        expect(result.error.message).toContain('PostgreSQL state database');
        expect(stderr).toContain('the state database is unavailable');
        expect(stderr).toContain('giving up');
      } finally {
        if (run.exitCode === null) run.kill();
      }
    },
    60_000,
  );

  test('an unreachable server: exit 3 with a message that says what to do, and never the password', async () => {
    const { config } = sandbox();
    const target = `postgres://swarm:hunter2@127.0.0.1:${closedPort()}/swarm`;
    for (const result of [
      await swarm(['runs'], config, { SWARM_DATABASE_URL: target }),
      await swarm(['run', 'examples/hello.yaml'], config, { SWARM_DATABASE_URL: target }),
    ]) {
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('swarm:***@127.0.0.1');
      expect(result.stderr).toContain('is unavailable');
      expect(result.stdout + result.stderr).not.toContain('hunter2');
    }
    // A mistyped URL in the file is a config error that does not echo the password either.
    const { dir } = sandbox();
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, '[dispatcher]\nstate_db_url = "mysql://swarm:hunter2@db/swarm"\n[logging]\nfile = ""\n');
    const refused = await swarm(['runs'], bad);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('dispatcher.state_db_url');
    expect(refused.stderr).not.toContain('hunter2');
  }, TIMEOUT);
});
