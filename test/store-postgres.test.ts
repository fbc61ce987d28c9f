/**
 * The PostgreSQL store: the conformance suite every store passes, then what only a server
 * store has — several processes on one database, journal order across writers, migrations, and
 * failures (a statement or the bridge timing out, a backend terminated, the server stopped or
 * unreachable) that must end in a clear STORE_UNAVAILABLE error, never a hang.
 *
 * Needs a server: SWARM_TEST_POSTGRES_URL, or scripts/postgres-up.sh (see test/support/postgres.ts).
 */
import { SQL } from 'bun';
import { afterAll, afterEach, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SwarmError } from '../src/errors.ts';
import { PostgresUnavailableError, openStore } from '../src/store/index.ts';
import { applyPostgresMigrations } from '../src/store/postgres/migrate.ts';
import { POSTGRES_SCHEMA_VERSION } from '../src/store/postgres/schema.ts';
import type { SwarmStore } from '../src/store/types.ts';
import { batch, newRun, newTask, runStoreConformance, transition } from './store-conformance.ts';
import { TestSchemas, closedPort, describeWithPostgres, spawnHelper } from './support/postgres.ts';

const ROOT = resolve(import.meta.dir, '..');

/** The error `fn` throws, and how long it took to throw it. */
function thrownBy(fn: () => unknown): { error: unknown; ms: number } {
  const start = performance.now();
  try {
    fn();
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
  throw new Error('expected an error, got none');
}

function expectUnavailable(error: unknown, reason: PostgresUnavailableError['reason']): PostgresUnavailableError {
  expect(error).toBeInstanceOf(PostgresUnavailableError);
  const err = error as PostgresUnavailableError;
  expect(err.code).toBe('STORE_UNAVAILABLE');
  expect(err.name).toBe('PostgresUnavailableError');
  expect(err.reason).toBe(reason);
  return err;
}

/**
 * The script of a helper process that runs one `swarm_commit` with `params` (a JS array literal;
 * `empty` stands for 27 empty arrays) in a transaction, prints `holding <its outcome>`, and
 * commits only once the session named $APP waits for a lock (at most 10 s; then it exits 1).
 */
function heldCommitScript(params: string): string {
  return `const { SQL } = require('bun');
    const sql = new SQL(process.env.PGURL, { max: 2, connection: { search_path: process.env.SCHEMA } });
    const tx = await sql.reserve();
    await tx\`BEGIN\`;
    const empty = Array.from({ length: 27 }, () => []);
    const outcome = await tx.unsafe('SELECT swarm_commit(' + Array.from({ length: 38 }, (_, i) => '$' + (i + 1)).join(', ') + ') AS o',
      ${params});
    console.log('holding ' + outcome[0].o);
    const deadline = Date.now() + 10000;
    while (!(await sql\`SELECT 1 FROM pg_stat_activity WHERE application_name = \${process.env.APP} AND wait_event_type = 'Lock'\`).length) {
      if (Date.now() > deadline) { console.log('no waiter'); process.exit(1); }
      await Bun.sleep(10);
    }
    await tx\`COMMIT\`;
    console.log('committed');
    tx.release();
    await sql.close();`;
}

describeWithPostgres('PostgresStore', (url) => {
  const schemas = new TestSchemas(url);
  const admin = new SQL(url, { max: 4, connectionTimeout: 5 });
  const open: SwarmStore[] = [];
  /** A store in a fresh schema, closed after the test. */
  const fresh = (options: Parameters<TestSchemas['store']>[0] = {}) => {
    const store = schemas.store(options);
    open.push(store);
    return store;
  };
  afterEach(() => {
    for (const store of open.splice(0)) store.close();
  });
  afterAll(async () => {
    await schemas.dropAll();
    await admin.close({ timeout: 1 });
  });

  runStoreConformance('PostgresStore', () => schemas.store());

  describe('choosing and opening', () => {
    test('openStore takes a postgres:// or postgresql:// URL; location hides the password', async () => {
      const locations = [url, url.replace(/^postgres:/, 'postgresql:')];
      const withPassword = new URL(url);
      // The test server trusts local logins, so any password is accepted (and must not show).
      if (withPassword.password === '' && withPassword.username !== '') {
        withPassword.password = 'hunter2';
        locations.push(withPassword.toString());
      }
      for (const location of locations) {
        // A schema named by the URL's search_path must exist; only the `schema` option creates one.
        const schema = schemas.next();
        await admin.unsafe(`CREATE SCHEMA "${schema}"`);
        const store = openStore(`${location}${location.includes('?') ? '&' : '?'}search_path=${schema}`, { poolSize: 1 });
        open.push(store);
        expect(store.constructor.name).toBe('PostgresStore');
        expect(store.schemaVersion).toBe(POSTGRES_SCHEMA_VERSION);
        expect(store.location).not.toContain('hunter2');
      }
    }, 20_000);

    test('data survives close and reopen; the journal seq goes on; the version is recorded once', async () => {
      const schema = schemas.next();
      const first = fresh({ schema });
      first.createRun(newRun('r1', { totalTasks: 1 }), [newTask('r1', 'a')]);
      first.commit(batch({ transitions: [transition('r1'), transition('r1', { to: 'running' })] }));
      first.stateSet('k', { v: 1 });
      const before = first.getTransitions('r1');
      first.close();
      const second = fresh({ schema });
      expect(second.getTransitions('r1')).toEqual(before);
      expect(second.stateGet('k')).toEqual({ v: 1 });
      second.commit(batch({ transitions: [transition('r1', { to: 'succeeded' })] }));
      expect(second.getTransitions('r1').at(-1)!.seq).toBeGreaterThan(before.at(-1)!.seq);
      const versions = await admin.unsafe(`SELECT version FROM "${schema}".swarm_schema_version`);
      // Each migration once, in order.
      expect(versions.map((r: { version: number }) => r.version)).toEqual(Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
    });

    test('a schema at version 1 migrates to leases: an old owner reads as epoch 1 with no expiry; commits fence', async () => {
      const schema = schemas.next();
      const old = new SQL(url, { max: 1, connection: { search_path: schema } });
      try {
        await old.unsafe(`CREATE SCHEMA "${schema}"`);
        expect(await applyPostgresMigrations(old, 1)).toBe(1);
        await old.unsafe(`INSERT INTO runs (id, name, status, metadata, total_tasks, created_at) VALUES ('r1', 'wf', 'running', '{}', 1, 1)`);
        await old.unsafe(`INSERT INTO run_manifests (run_id, source, format, manifest) VALUES ('r1', 'src', 'yaml', '{}')`);
        await old.unsafe(`INSERT INTO tasks (run_id, name, position, status, priority, dispatch, dependencies) VALUES ('r1', 'a', 0, 'pending', 0, 'internal', '[]')`);
        await old.unsafe(`INSERT INTO run_owners (run_id, owner) VALUES ('r1', 'old-host:1:1')`);
      } finally {
        await old.close({ timeout: 1 });
      }
      const store = fresh({ schema });
      expect(store.schemaVersion).toBe(POSTGRES_SCHEMA_VERSION);
      expect(store.getRunLease('r1')).toEqual({ owner: 'old-host:1:1', epoch: 1, expiresInMs: null });
      expect(store.claimRunLease('r1', { owner: 'me:2:2', leaseMs: 1_000, fromEpoch: 1, onlyIfExpired: true })).toBeNull();
      const fenced = store.commit(batch({ tasks: [{ runId: 'r1', name: 'a', status: 'running' }], fencing: { runs: [{ runId: 'r1', epoch: 2 }] } }));
      expect(fenced.fenced).toEqual([{ runId: 'r1', heldEpoch: 2, owner: 'old-host:1:1', epoch: 1 }]);
      expect(store.getTask('r1', 'a')!.status).toBe('pending');
    });

    test('a database from a newer swarm is refused with STORE_SCHEMA, untouched', async () => {
      const schema = schemas.next();
      fresh({ schema }).close();
      await admin.unsafe(`INSERT INTO "${schema}".swarm_schema_version (version, description) VALUES (999, 'future')`);
      const { error } = thrownBy(() => fresh({ schema }));
      expect(error).toBeInstanceOf(SwarmError);
      expect((error as SwarmError).code).toBe('STORE_SCHEMA');
      expect((error as Error).message).toContain('upgrade swarm');
    });

    test('a schema that holds another program\'s tables is refused as not a swarm state database, untouched', async () => {
      const schema = schemas.next();
      await admin.unsafe(`CREATE SCHEMA "${schema}"`);
      await admin.unsafe(`CREATE TABLE "${schema}".runs (x int)`);
      await admin.unsafe(`CREATE TABLE "${schema}".foo (x int)`);
      const { error } = thrownBy(() => fresh({ schema }));
      expect(error).toMatchObject({ name: 'NotAStateDatabaseError', code: 'STORE_SCHEMA' });
      expect((error as Error).message).toContain(`schema "${schema}"`);
      expect((error as Error).message).toContain('not a swarm state database: it holds other tables (foo, runs)');
      expect((error as Error).message).toContain('search_path');
      const tables = await admin.unsafe<{ name: string }[]>(
        `SELECT tablename AS name FROM pg_tables WHERE schemaname = '${schema}' ORDER BY 1`,
      );
      expect(tables.map((t) => t.name)).toEqual(['foo', 'runs']);
    });

    test('two stores on one database see each other’s commits', () => {
      const schema = schemas.next();
      const writer = fresh({ schema });
      const reader = fresh({ schema });
      writer.createRun(newRun('r1'), [newTask('r1', 'a')]);
      writer.commit(batch({ transitions: [transition('r1')], tasks: [{ runId: 'r1', name: 'a', status: 'running' }] }));
      expect(reader.getTask('r1', 'a')!.status).toBe('running');
      expect(reader.getTransitions('r1')).toHaveLength(1);
    });

    test('reads page through a long journal and many tasks in order', async () => {
      const store = fresh();
      const count = 45_000; // more than two pages of journal rows, four of tasks
      store.createRun(newRun('big', { totalTasks: count }), Array.from({ length: count }, (_, i) => newTask('big', `t${i}`)));
      for (let done = 0; done < count; done += 5_000) {
        store.commit(batch({ transitions: Array.from({ length: 5_000 }, (_, i) => transition('big', { at: done + i })) }));
      }
      const rows = store.getTransitions('big');
      expect(rows).toHaveLength(count);
      expect(rows.every((row, i) => row.at === i && (i === 0 || row.seq > rows[i - 1].seq))).toBe(true);
      expect(store.getTransitions('big', { afterSeq: rows[100].seq, limit: 25_000 }).map((r) => r.at)).toEqual(
        Array.from({ length: 25_000 }, (_, i) => 101 + i),
      );
      expect(store.getTasks('big').map((t) => t.name)).toEqual(Array.from({ length: count }, (_, i) => `t${i}`));
    }, 60_000);
  });

  describe('journal order across writers', () => {
    test('a commit waits for another transaction’s uncommitted journal rows, so seqs appear in commit order', async () => {
      const schema = schemas.next();
      const store = fresh({ schema, applicationName: `${schema}_waiter` });
      store.createRun(newRun('r1'), []);
      // Another writer takes a seq and holds its transaction open until our commit waits for it.
      const other = spawnHelper(heldCommitScript("[['r1'], ['other'], ['task'], [null], ['ready'], ['OTHER'], [null], [1], ...empty, [], [], false]"), {
        PGURL: url,
        SCHEMA: schema,
        APP: `${schema}_waiter`,
      });
      await other.line('holding');
      store.commit(batch({ transitions: [transition('r1', { event: 'MINE' })] })); // blocks until `other` commits
      const { code, stdout } = await other.finish();
      expect(stdout).toContain('committed');
      expect(code).toBe(0);
      expect(store.getTransitions('r1').map((r) => r.event)).toEqual(['OTHER', 'MINE']);
    }, 20_000);

    test('a claim waits for a fenced commit in progress, whose rows it then reads; the holder’s next commit is fenced', async () => {
      const schema = schemas.next();
      const claimer = fresh({ schema, applicationName: `${schema}_claimer` });
      claimer.createRun(newRun('r1', { totalTasks: 1 }), [newTask('r1', 'a')], { owner: 'holder:1:1', leaseMs: 60_000 });
      // The holder's commit is under way in another process: it has written its rows and holds
      // the journal's lock until the claim is seen waiting for it.
      const holder = spawnHelper(heldCommitScript("[['r1'], ['task:a'], ['task'], ['running'], ['succeeded'], ['DONE'], [null], [1], ...empty, ['r1'], [1], false]"), {
        PGURL: url,
        SCHEMA: schema,
        APP: `${schema}_claimer`,
      });
      await holder.line('holding null');
      // Blocks until the holder's commit has ended: the claim never splits a commit.
      expect(claimer.claimRunLease('r1', { owner: 'claimer:2:2', leaseMs: 60_000, fromEpoch: 1, onlyIfExpired: false })).toBe(2);
      const { code, stdout } = await holder.finish();
      expect(stdout).toContain('committed');
      expect(code).toBe(0);
      expect(claimer.getTransitions('r1').map((r) => r.event)).toEqual(['DONE']);
      // Anything the old holder sends now is fenced.
      const late = claimer.commit(batch({ transitions: [transition('r1', { event: 'LATE' })], fencing: { runs: [{ runId: 'r1', epoch: 1 }] } }));
      expect(late.fenced).toEqual([{ runId: 'r1', heldEpoch: 1, owner: 'claimer:2:2', epoch: 2 }]);
      expect(claimer.getTransitions('r1').map((r) => r.event)).toEqual(['DONE']);
    }, 20_000);
  });

  describe('failures end in a clear error, never a hang', () => {
    /** Holds the journal's lock from another session until released. */
    async function holdJournalLock(schema: string): Promise<() => Promise<void>> {
      const holder = await admin.reserve();
      await holder`BEGIN`;
      await holder.unsafe(`LOCK TABLE "${schema}".transitions IN EXCLUSIVE MODE`);
      return async () => {
        await holder`ROLLBACK`;
        holder.release();
      };
    }

    test('a commit waiting longer than the statement timeout fails STORE_UNAVAILABLE; nothing is written; the store goes on', async () => {
      const schema = schemas.next();
      const store = fresh({ schema, statementTimeoutMs: 300 });
      store.createRun(newRun('r1'), [newTask('r1', 'a')]);
      const release = await holdJournalLock(schema);
      const { error, ms } = thrownBy(() =>
        store.commit(batch({ transitions: [transition('r1')], tasks: [{ runId: 'r1', name: 'a', status: 'running' }] })),
      );
      await release();
      const err = expectUnavailable(error, 'timeout');
      expect(err.sqlState).toBe('57014');
      expect(err.message).toContain('db_statement_timeout');
      expect(ms).toBeLessThan(3_000);
      expect(store.getTask('r1', 'a')!.status).toBe('pending');
      store.commit(batch({ transitions: [transition('r1')] }));
      expect(store.getTransitions('r1')).toHaveLength(1);
    });

    test('past the bridge timeout the call is cancelled on the server and reported; nothing is written', async () => {
      const schema = schemas.next();
      const store = fresh({ schema, statementTimeoutMs: 30_000, bridgeTimeoutMs: 300 });
      store.createRun(newRun('r1'), []);
      const release = await holdJournalLock(schema);
      const { error, ms } = thrownBy(() => store.commit(batch({ transitions: [transition('r1')] })));
      await release();
      const err = expectUnavailable(error, 'timeout');
      expect(err.message).toContain('within 300 ms');
      expect(err.message).toContain('nothing of it was written');
      expect(ms).toBeLessThan(300 + 1_000 + 1_000);
      expect(store.counts().transitions).toBe(0);
      store.commit(batch({ transitions: [transition('r1')] }));
      expect(store.counts().transitions).toBe(1);
    });

    test('a backend terminated mid-commit (pg_terminate_backend) fails STORE_UNAVAILABLE; the next call reconnects', async () => {
      const schema = schemas.next();
      const app = `${schema}_victim`;
      const store = fresh({ schema, applicationName: app });
      store.createRun(newRun('r1'), []);
      const release = await holdJournalLock(schema);
      const killer = spawnHelper(
        `const { SQL } = require('bun');
         const sql = new SQL(process.env.PGURL, { max: 1 });
         const deadline = Date.now() + 10000;
         for (;;) {
           const rows = await sql\`SELECT pid FROM pg_stat_activity WHERE application_name = \${process.env.APP} AND wait_event_type = 'Lock'\`;
           if (rows.length) { await sql\`SELECT pg_terminate_backend(\${rows[0].pid})\`; console.log('terminated'); break; }
           if (Date.now() > deadline) { console.log('no victim'); process.exit(1); }
           await Bun.sleep(10);
         }
         await sql.close();`,
        { PGURL: url, APP: app },
      );
      const { error } = thrownBy(() => store.commit(batch({ transitions: [transition('r1')] })));
      await release();
      expect((await killer.finish()).code).toBe(0);
      const err = expectUnavailable(error, 'connection');
      expect(err.sqlState).toBe('57P01');
      expect(store.counts().transitions).toBe(0);
      store.commit(batch({ transitions: [transition('r1')] }));
      expect(store.getTransitions('r1')).toHaveLength(1);
    }, 20_000);

    test('an idle connection terminated between calls is replaced without an error', async () => {
      const schema = schemas.next();
      const app = `${schema}_idle`;
      const store = fresh({ schema, applicationName: app });
      store.createRun(newRun('r1'), []);
      const [{ n }] = await admin`SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = ${app}`;
      expect(n).toBeGreaterThan(0);
      expect(store.getRun('r1')!.id).toBe('r1'); // a read: retried once on a fresh connection
      store.commit(batch({ transitions: [transition('r1')] }));
      expect(store.counts().transitions).toBe(1);
    });

    test('nothing listening: opening fails STORE_UNAVAILABLE at once, and never shows the password', () => {
      const target = `postgres://swarm:hunter2@127.0.0.1:${closedPort()}/swarm`;
      const { error, ms } = thrownBy(() => openStore(target));
      const err = expectUnavailable(error, 'connection');
      expect(err.message).toContain('swarm:***@127.0.0.1');
      expect(err.message).not.toContain('hunter2');
      expect(err.message).toContain('SWARM_DATABASE_URL');
      expect(ms).toBeLessThan(3_000);
    });

    test('a server that accepts but never answers: opening gives up within the connect timeout', () => {
      // The kernel completes the TCP handshake even while this thread is blocked; nobody answers.
      const hole = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
      try {
        const { error, ms } = thrownBy(() => openStore(`postgres://swarm@127.0.0.1:${hole.port}/swarm`, { statementTimeoutMs: 500 }));
        expect(error).toBeInstanceOf(PostgresUnavailableError);
        expect(ms).toBeLessThan(500 + 5_000 + 1_500);
      } finally {
        hole.stop(true);
      }
    }, 15_000);

    // Needs the server binaries here (a remote SWARM_TEST_POSTGRES_URL alone is not enough).
    const script = join(ROOT, 'scripts/postgres-up.sh');
    const ownCluster = `/tmp/swarm-pg-test-${process.pid}`;
    const local = existsSync('/usr/lib/postgresql') || process.env.CI === 'true';
    afterAll(() => {
      Bun.spawnSync(['bash', script, 'stop'], { env: { ...process.env, SWARM_POSTGRES_DIR: ownCluster } });
    });

    test.skipIf(!local)('the server stopped under an open store: the next commit fails STORE_UNAVAILABLE at once', () => {
      const env = { ...process.env, SWARM_POSTGRES_DIR: ownCluster };
      const up = Bun.spawnSync(['bash', script], { env, stderr: 'pipe' });
      expect(up.exitCode).toBe(0);
      const privateUrl = up.stdout.toString().trim();
      // Idempotent: a second run reuses the cluster and prints the same URL.
      expect(Bun.spawnSync(['bash', script], { env }).stdout.toString().trim()).toBe(privateUrl);
      const store = openStore(privateUrl, { statementTimeoutMs: 2_000 });
      open.push(store);
      store.createRun(newRun('r1'), []);
      store.commit(batch({ transitions: [transition('r1')] }));
      expect(Bun.spawnSync(['bash', script, 'stop'], { env }).exitCode).toBe(0);
      const { error, ms } = thrownBy(() => store.commit(batch({ transitions: [transition('r1')] })));
      expectUnavailable(error, 'connection');
      expect(ms).toBeLessThan(2_000 + 5_000);
    }, 60_000);
  });
});
