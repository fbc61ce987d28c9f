/**
 * The PostgreSQL server the store tests use: SWARM_TEST_POSTGRES_URL, else the URL that
 * scripts/postgres-up.sh wrote ($SWARM_POSTGRES_DIR/url, default ${TMPDIR:-/tmp}/swarm-postgres/url),
 * else none. Each test works in a schema of its own (fresh names, dropped at the end), so tests
 * never see each other's rows, whatever ran before on the server.
 */
import { SQL } from 'bun';
import { describe, test } from 'bun:test';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/postgres-store.ts';

export function testPostgresUrl(): string | undefined {
  const fromEnv = process.env.SWARM_TEST_POSTGRES_URL?.trim();
  if (fromEnv) return fromEnv;
  const file = join(process.env.SWARM_POSTGRES_DIR ?? join(process.env.TMPDIR ?? tmpdir(), 'swarm-postgres'), 'url');
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trim() || undefined;
}

/** Hands out schema names unique to this process and drops every schema it handed out. */
export class TestSchemas {
  private readonly prefix = `swarm_test_${process.pid}_${Date.now().toString(36)}_`;
  private readonly made: string[] = [];
  private counter = 0;

  constructor(readonly url: string) {}

  next(): string {
    const name = `${this.prefix}${this.counter++}`;
    this.made.push(name);
    return name;
  }

  /** A store in a fresh schema of its own. */
  store(options: PostgresStoreOptions = {}): PostgresStore {
    return new PostgresStore(this.url, { schema: this.next(), ...options });
  }

  async dropAll(): Promise<void> {
    const sql = new SQL(this.url, { max: 1, connectionTimeout: 5 });
    try {
      for (const name of this.made.splice(0)) await sql.unsafe(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    } finally {
      await sql.close({ timeout: 1 });
    }
  }
}

/**
 * `describe(title, body)` when there is a server. Without one the suite is skipped, saying how
 * to get one — except under CI (CI=true), where a missing server fails: .ci/run starts one.
 */
export function describeWithPostgres(title: string, body: (url: string) => void): void {
  const url = testPostgresUrl();
  if (url !== undefined) {
    describe(title, () => body(url));
    return;
  }
  const why = 'no PostgreSQL server: run scripts/postgres-up.sh (or set SWARM_TEST_POSTGRES_URL)';
  if (process.env.CI === 'true') {
    describe(title, () => {
      test(`needs a server under CI: ${why}`, () => {
        throw new Error(`CI=true but ${why}; .ci/run starts one before the tests`);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${why})`, () => {
      test('needs a PostgreSQL server', () => {});
    });
  }
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
export function closedPort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Runs a script in another Bun process; its stdout lines arrive through `line(text)`. */
export function spawnHelper(script: string, env: Record<string, string>) {
  const child = Bun.spawn([process.execPath, '-e', script], {
    env: { ...process.env, ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  let out = '';
  const waiters: { text: string; resolve: () => void; reject: (err: Error) => void }[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      out += decoder.decode(chunk, { stream: true });
      for (const w of waiters.splice(0)) (out.includes(w.text) ? w.resolve : () => waiters.push(w))();
    }
    for (const w of waiters.splice(0)) w.reject(new Error(`helper ended without printing "${w.text}"; it printed:\n${out}`));
  })();
  return {
    child,
    /** Resolves once the helper has printed `text` (rejects if it exits first). */
    line(text: string): Promise<void> {
      if (out.includes(text)) return Promise.resolve();
      return new Promise((resolve, reject) => waiters.push({ text, resolve, reject }));
    },
    async finish(): Promise<{ code: number; stdout: string; stderr: string }> {
      const code = await child.exited;
      await reading;
      return { code, stdout: out, stderr: await new Response(child.stderr).text() };
    },
  };
}
