/**
 * Warm engines (mode = "persistent") against a stand-in that speaks the protocol
 * (fixtures/backends/serve-engine): the framing, the process contract per request (environment,
 * output cap, timeout, cancel), crashes, bad answers and every reason to recycle an engine.
 * Real processes throughout; waits are on states, bounded.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { EnginePool } from '../../actors/backends/engine-pool.ts';
import type { BackendSpec, EngineSettings } from '../../actors/backends/backend-command.ts';
import type { ExecutionOutcome } from '../../src/execution.ts';
import { fixture, isGone, makeRequest, pidFrom, prepareFixtures, rustSpec, waitUntil } from './helpers.ts';

beforeAll(prepareFixtures);
const dirs: string[] = [];
const pools: EnginePool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type Spec = BackendSpec & { persistent: EngineSettings };

function spec(settings: Partial<EngineSettings> = {}, limits: { timeoutMs?: number; maxOutputBytes?: number } = {}): Spec {
  return { ...rustSpec(fixture('serve-engine'), limits), persistent: { maxRequests: 1_000, maxMemoryBytes: 1 << 30, ...settings } };
}

function pool(s: Spec = spec(), size = 2): EnginePool {
  const p = new EnginePool({ spec: s, size, killGraceMs: 300, parentEnv: { ...process.env, SWARM_AUTH_TOKEN: 'secret', DB_PASSWORD: 'x' } });
  pools.push(p);
  return p;
}

function ask(p: EnginePool, parameters: Record<string, unknown> = {}, attempt = 1, signal = new AbortController().signal): Promise<ExecutionOutcome> {
  return p.run(makeRequest({ parameters, timeout: 20_000 }, { attempt }), signal);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-warm-'));
  dirs.push(dir);
  return dir;
}

const pidOf = (o: ExecutionOutcome): number => (o.ok ? (o.output as { pid: number }).pid : -1);

/** Processes of ours (by /proc) whose command line holds `needle`. */
function processesWith(needle: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        return readFileSync(`/proc/${n}/cmdline`, 'latin1').includes(needle) && !isGone(Number(n));
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('a warm engine pool', () => {
  test('serves request after request on one engine, over the framed protocol, with the allowlisted environment', async () => {
    const p = pool();
    const first = await ask(p, { n: 1 });
    const second = await ask(p, { n: 2 }, 2);
    expect(first.ok && second.ok).toBe(true);
    const a = (first as { output: any }).output;
    const b = (second as { output: any }).output;
    expect(b.pid).toBe(a.pid);
    expect([a.served, b.served]).toEqual([1, 2]);
    expect(a.argv).toEqual(['--serve']);
    // The same request JSON a process-mode attempt gets on stdin.
    expect(b.request).toEqual(JSON.parse(JSON.stringify(makeRequest({ parameters: { n: 2 }, timeout: 20_000 }, { attempt: 2 }))));
    expect(a.env.SWARM_AUTH_TOKEN).toBeUndefined();
    expect(a.env.DB_PASSWORD).toBeUndefined();
    expect(a.env.PATH).toBe(process.env.PATH);
    expect(a.env.SWARM_ATTEMPT_ID).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.stats()).toMatchObject({ size: 2, engines: 1, busy: 0, recycled: 0, crashed: 0 });
  });

  test('a failure answer fails the attempt (retryable) with its error; the engine stays', async () => {
    const p = pool();
    const before = pidOf(await ask(p));
    const failed = await ask(p, { do: 'fail' });
    expect(failed).toMatchObject({ ok: false, retryable: true, error: { code: 'BACKEND_FAILED' } });
    expect(!failed.ok && failed.error.message).toContain('apply-settings: no such page');
    expect(pidOf(await ask(p))).toBe(before);
  });

  test('a crash fails only its attempt (retryable, with stderr); a fresh engine serves the next one', async () => {
    const p = pool();
    const before = pidOf(await ask(p));
    const crashed = await ask(p, { do: 'crash' });
    expect(crashed).toMatchObject({ ok: false, retryable: true, error: { code: 'BACKEND_FAILED' } });
    expect(!crashed.ok && crashed.error.message).toContain('exited with code 3 before it answered');
    expect(!crashed.ok && crashed.error.message).toContain('about to crash');
    const after = pidOf(await ask(p));
    expect(after).toBeGreaterThan(0);
    expect(after).not.toBe(before);
    expect(isGone(before)).toBe(true);
    expect(p.stats()).toMatchObject({ engines: 1, crashed: 1 });
  });

  test('a timeout kills that engine\'s whole process group and a fresh one replaces it; the other engine carries on', async () => {
    const p = pool(spec({}, { timeoutMs: 500 }));
    const dir = tempDir();
    // Two engines: one for the hang, one busy with a normal request meanwhile.
    const [x, y] = await Promise.all([ask(p), ask(p)]);
    const engines = [pidOf(x), pidOf(y)];
    expect(new Set(engines).size).toBe(2);
    const hanging = ask(p, { do: 'hang', pidFile: join(dir, 'grandchild') });
    const grandchild = await pidFrom(join(dir, 'grandchild'));
    const meanwhile = await ask(p);
    expect(engines).toContain(pidOf(meanwhile));
    const timedOut = await hanging;
    expect(timedOut).toMatchObject({ ok: false, retryable: true, error: { code: 'TASK_TIMEOUT' } });
    expect(!timedOut.ok && timedOut.error.message).toContain('timed out after 500 ms');
    expect(await waitUntil(() => isGone(grandchild))).toBe(true);
    const survivor = pidOf(meanwhile);
    const victim = engines.find((e) => e !== survivor)!;
    expect(await waitUntil(() => isGone(victim))).toBe(true);
    expect(isGone(survivor)).toBe(false);
    expect(pidOf(await ask(p))).toBe(survivor);
    expect(p.stats()).toMatchObject({ recycled: 1, crashed: 0 });
  });

  test('a cancel aborts the request and kills the engine serving it', async () => {
    const p = pool();
    const dir = tempDir();
    const controller = new AbortController();
    const running = ask(p, { do: 'hang', pidFile: join(dir, 'grandchild') }, 1, controller.signal);
    const grandchild = await pidFrom(join(dir, 'grandchild'));
    controller.abort(new Error('the run was cancelled'));
    expect(await running).toMatchObject({ ok: false, error: { code: 'TASK_CANCELLED', message: 'the run was cancelled' } });
    expect(await waitUntil(() => isGone(grandchild))).toBe(true);
    expect(p.stats().recycled).toBe(1);
  });

  test('an answer over max_output_size fails the attempt (not retryable) and recycles the engine', async () => {
    const p = pool(spec({}, { maxOutputBytes: 64 * 1024 }));
    const before = pidOf(await ask(p));
    const huge = await ask(p, { do: 'huge', bytes: 3_000_000 });
    expect(huge).toMatchObject({ ok: false, retryable: false, error: { code: 'BACKEND_OUTPUT_TOO_LARGE' } });
    expect(!huge.ok && huge.error.message).toContain('backends.rust_injector.max_output_size');
    // The limit, plainly; not how far the reader had got when it passed it (a number of no meaning).
    expect(!huge.ok && huge.error.message).toMatch(/answered on engine rust_injector-\d+ \(pid \d+\) with a line longer than the limit of 65536 bytes;/);
    expect(!huge.ok && huge.error.message).not.toMatch(/more than \d+ bytes on/);
    const after = pidOf(await ask(p));
    expect(after).not.toBe(before);
    expect(await waitUntil(() => isGone(before))).toBe(true);
    // Just under the cap passes.
    expect((await ask(p, { do: 'huge', bytes: 60 * 1024 })).ok).toBe(true);
  });

  test('a line that is not an answer, or the answer to another request, is a protocol error; the engine is replaced', async () => {
    const p = pool();
    for (const what of ['garbage', 'wrong-id']) {
      const before = pidOf(await ask(p));
      const bad = await ask(p, { do: what });
      expect(bad).toMatchObject({ ok: false, retryable: true, error: { code: 'BACKEND_PROTOCOL_ERROR' } });
      expect(pidOf(await ask(p))).not.toBe(before);
    }
    expect(p.stats().recycled).toBe(2);
  });

  test('a line nobody asked for, after an answer, replaces the engine: the next request is not failed for it', async () => {
    // Before, the engine was killed on that line while the pool still had it as idle: the next
    // request went to it and failed, 'killed by signal SIGTERM before it answered'.
    const p = pool(spec(), 1);
    const stray = await ask(p, { do: 'extra-line' });
    expect(stray.ok).toBe(true); // its own answer was right
    const next = await ask(p);
    expect(next.ok).toBe(true);
    expect(pidOf(next)).not.toBe(pidOf(stray));
    expect(p.stats()).toMatchObject({ recycled: 1, crashed: 0 });

    // Written later, while the engine is idle: it is replaced then; nothing fails either.
    const idle = await ask(p, { do: 'extra-line', laterMs: 50 });
    expect(await waitUntil(() => isGone(pidOf(idle)))).toBe(true);
    const after = await ask(p);
    expect(after.ok).toBe(true);
    expect(pidOf(after)).not.toBe(pidOf(idle));
    expect(p.stats()).toMatchObject({ recycled: 2, crashed: 0 });
  });

  test('engines are recycled after max_requests answers, above max_memory, and when they ask to be', async () => {
    const byCount = pool(spec({ maxRequests: 2 }), 1);
    const [one, two, three] = [pidOf(await ask(byCount)), pidOf(await ask(byCount)), pidOf(await ask(byCount))];
    expect(two).toBe(one);
    expect(three).not.toBe(one);

    const byMemory = pool(spec({ maxMemoryBytes: 10_000_000 }), 1);
    const small = pidOf(await ask(byMemory, { do: 'memory', memory: 9_000_000 }));
    const big = pidOf(await ask(byMemory, { do: 'memory', memory: 11_000_000 }));
    expect(big).toBe(small);
    expect(pidOf(await ask(byMemory))).not.toBe(big);

    const byRequest = pool(spec(), 1);
    const asked = pidOf(await ask(byRequest, { do: 'recycle' }));
    expect(pidOf(await ask(byRequest))).not.toBe(asked);
    for (const p of [byCount, byMemory, byRequest]) expect(p.stats()).toMatchObject({ recycled: 1, crashed: 0 });
  });

  test('with one engine, a second attempt waits for it and runs on the same engine', async () => {
    const p = pool(spec(), 1);
    const [a, b] = await Promise.all([ask(p, { n: 1 }), ask(p, { n: 2 })]);
    expect(pidOf(a)).toBe(pidOf(b));
    expect(p.stats()).toMatchObject({ size: 1, engines: 1, busy: 0 });
  });

  test('close drains the pool: no engine and nothing they left running outlives it', async () => {
    const p = pool();
    const dir = tempDir();
    const [x, y] = await Promise.all([ask(p), ask(p, { do: 'escape', pidFile: join(dir, 'escaped') })]);
    const escaped = await pidFrom(join(dir, 'escaped'));
    expect(isGone(escaped)).toBe(false);
    await p.close();
    for (const pid of [pidOf(x), pidOf(y), escaped]) expect(isGone(pid)).toBe(true);
    expect(processesWith(fixture('serve-engine'))).toEqual([]);
    expect(p.stats()).toMatchObject({ engines: 0, crashed: 0 });
  });
});
