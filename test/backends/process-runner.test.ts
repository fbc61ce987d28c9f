import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INHERITED_ENV_VARS } from '../../actors/backends/backend-env.ts';
import { runBackendProcess, type BackendRunOptions } from '../../actors/backends/process-runner.ts';
import type { ExecutionOutcome, ExecutionRequest } from '../../src/execution.ts';
import { fixture, isGone, makeRequest, phpSpec, pidFrom, prepareFixtures, rustSpec, waitUntil } from './helpers.ts';
import type { BackendSpec } from '../../actors/backends/backend-command.ts';

let dir: string;
beforeAll(() => {
  prepareFixtures();
  dir = mkdtempSync(join(tmpdir(), 'swarm-backends-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Short grace so kill tests stay quick; the default (1 s) is the same code path. */
const FAST: BackendRunOptions = { killGraceMs: 200 };
const never = () => new AbortController().signal;

function run(spec: BackendSpec, request = makeRequest(), signal = never()): Promise<ExecutionOutcome> {
  return runBackendProcess(spec, request, signal, FAST);
}

function failure(outcome: ExecutionOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got output ${JSON.stringify(outcome.output)}`);
  return outcome;
}

let pidFiles = 0;
/** A request whose parameters tell the sleeper stand-ins where to write their grandchild's pid. */
function withPidFile(symbolTimeout = 20_000): { request: ExecutionRequest; pidFile: string } {
  const pidFile = join(dir, `grandchild-${++pidFiles}.pid`);
  return { request: makeRequest({ parameters: { pidFile }, timeout: symbolTimeout }), pidFile };
}

describe('what the backend process gets', () => {
  test('the whole request as JSON on stdin, and only allowlisted variables plus SWARM_*', async () => {
    const saved = { token: process.env.SWARM_AUTH_TOKEN, other: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.SWARM_AUTH_TOKEN = 'fake-token-that-must-not-leak';
    process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret';
    try {
      const request = makeRequest();
      const outcome = await runBackendProcess(rustSpec(fixture('echo-invocation')), request, never());
      if (!outcome.ok) throw new Error(outcome.error.message);
      const { stdin, env } = outcome.output as { stdin: string; env: Record<string, string> };
      expect(JSON.parse(stdin)).toEqual(request);
      expect(env.SWARM_AUTH_TOKEN).toBeUndefined();
      expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
      expect(env).toMatchObject({ SWARM_RUN_ID: 'run-0001', SWARM_ATTEMPT: '2', SWARM_SYMBOL: 'apply-settings' });
      expect(env.SWARM_ATTEMPT_ID).toMatch(/^[0-9a-f-]{36}$/); // the marker that finds its processes
      const allowed = new Set<string>([...INHERITED_ENV_VARS, 'SWARM_RUN_ID', 'SWARM_ATTEMPT', 'SWARM_SYMBOL', 'SWARM_ATTEMPT_ID']);
      expect(Object.keys(env).filter((name) => !allowed.has(name))).toEqual([]);
      expect(env.PATH).toBe(process.env.PATH!);
    } finally {
      restore('SWARM_AUTH_TOKEN', saved.token);
      restore('AWS_SECRET_ACCESS_KEY', saved.other);
    }
  });

  test('a child that never reads a large stdin (EPIPE) still succeeds', async () => {
    const request = makeRequest({}, { dependencies: { big: 'x'.repeat(3_000_000) } });
    expect(await run(rustSpec(fixture('print-text')), request)).toEqual({ ok: true, output: 'plain text, not JSON' });
  });
});

describe('output', () => {
  test('JSON stdout is parsed', async () => {
    const outcome = await run(rustSpec(fixture('echo-invocation')));
    expect(outcome.ok && typeof outcome.output).toBe('object');
  });

  test('text stdout is kept as text without its trailing newline', async () => {
    expect(await run(rustSpec(fixture('print-text')))).toEqual({ ok: true, output: 'plain text, not JSON' });
  });

  test('empty stdout is null', async () => {
    expect(await run(rustSpec('true'))).toEqual({ ok: true, output: null });
  });
});

describe('failures', () => {
  test('a non-zero exit fails (retryable) with the exit code and stderr in the message', async () => {
    const outcome = failure(await run(rustSpec(fixture('fail-with-stderr'))));
    expect(outcome.retryable).toBe(true);
    expect(outcome.error.code).toBe('BACKEND_FAILED');
    expect(outcome.error.message).toContain('rust_injector');
    expect(outcome.error.message).toContain('exited with code 3');
    expect(outcome.error.message).toContain('table wp_options is locked');
  });

  test('oversized stdout fails, says it was truncated at the limit, and does not hang the child', async () => {
    const outcome = failure(await run(rustSpec(fixture('huge-stdout'), { maxOutputBytes: 65_536 })));
    expect(outcome.error.code).toBe('BACKEND_OUTPUT_TOO_LARGE');
    expect(outcome.retryable).toBe(false);
    expect(outcome.error.message).toContain('limit of 65536 bytes');
    expect(outcome.error.message).toContain('truncated');
    expect(outcome.error.message).toContain('backends.rust_injector.max_output_size');
  });

  test('endless stdout is stopped at the cap: BACKEND_OUTPUT_TOO_LARGE, not retried, group killed, long before the timeout', async () => {
    const script = join(dir, 'endless-stdout');
    // A grandchild first (its pid to the file named in --params), so the test sees the whole
    // group ended; then `yes`, which prints for ever.
    writeFileSync(
      script,
      `#!/bin/sh\npidfile=$(printf '%s' "$8" | sed -n 's/.*"pidFile":"\\([^"]*\\)".*/\\1/p')\n` +
        `sleep 300 &\necho "$!" > "$pidfile"\nexec yes endless\n`,
    );
    chmodSync(script, 0o755);
    const { request, pidFile } = withPidFile(20_000);
    const pending = run(rustSpec(script, { maxOutputBytes: 65_536 }), request);
    const outcome = failure(await pending);
    expect(outcome.error.code).toBe('BACKEND_OUTPUT_TOO_LARGE');
    expect(outcome.retryable).toBe(false);
    expect(outcome.error.message).toContain('more than the limit of 65536 bytes on stdout and was stopped there');
    expect(outcome.error.message).toContain('backends.rust_injector.max_output_size');
    const grandchild = await pidFrom(pidFile);
    expect(await waitUntil(() => isGone(grandchild), 3_000)).toBe(true);
  });

  test('oversized stderr is truncated with a marker; it does not fail a successful run', async () => {
    const spec = rustSpec(fixture('huge-stderr'), { maxOutputBytes: 65_536 });
    const failed = failure(await run(spec, makeRequest({ parameters: { fail: true } })));
    expect(failed.error.code).toBe('BACKEND_FAILED');
    expect(failed.error.message).toContain('… [stderr truncated at 65536 bytes]');
    expect(failed.error.message.length).toBeLessThan(65_536 + 1_000);
    expect(await run(spec, makeRequest({ parameters: { fail: false } }))).toEqual({ ok: true, output: { ok: true } });
  });
});

describe('ending the process group', () => {
  test('a timeout kills the whole group, grandchild included', async () => {
    const { request, pidFile } = withPidFile(400);
    const pending = run(rustSpec(fixture('sleep-with-grandchild')), request);
    const grandchild = await pidFrom(pidFile);
    expect(isGone(grandchild)).toBe(false);
    const outcome = failure(await pending);
    expect(outcome.error.code).toBe('TASK_TIMEOUT');
    expect(outcome.error.message).toContain('400 ms');
    expect(outcome.error.message).toContain("the symbol's `timeout`");
    expect(outcome.retryable).toBe(true);
    expect(await waitUntil(() => isGone(grandchild), 3_000)).toBe(true);
  });

  test("the backend's own timeout applies when it is the smaller one", async () => {
    const { request, pidFile } = withPidFile(20_000);
    const outcome = failure(await run(rustSpec(fixture('sleep-with-grandchild'), { timeoutMs: 300 }), request));
    expect(outcome.error.code).toBe('TASK_TIMEOUT');
    expect(outcome.error.message).toContain('300 ms');
    expect(outcome.error.message).toContain('backends.rust_injector.timeout');
    const grandchild = await pidFrom(pidFile);
    expect(await waitUntil(() => isGone(grandchild), 3_000)).toBe(true);
  });

  test('SIGKILL follows the grace when the group ignores SIGTERM', async () => {
    const { request, pidFile } = withPidFile(300);
    const pending = run(rustSpec(fixture('ignore-sigterm')), request);
    const grandchild = await pidFrom(pidFile);
    expect(failure(await pending).error.code).toBe('TASK_TIMEOUT');
    expect(await waitUntil(() => isGone(grandchild), 3_000)).toBe(true);
  });

  test('an abort kills the whole group and reports TASK_CANCELLED with the reason', async () => {
    const { request, pidFile } = withPidFile();
    const controller = new AbortController();
    const pending = run(rustSpec(fixture('sleep-with-grandchild')), request, controller.signal);
    const grandchild = await pidFrom(pidFile);
    controller.abort(new Error('attempt stopped'));
    const outcome = failure(await pending);
    expect(outcome.error).toMatchObject({ code: 'TASK_CANCELLED', message: 'attempt stopped' });
    expect(await waitUntil(() => isGone(grandchild), 3_000)).toBe(true);
  });

  test('an already aborted signal starts nothing', async () => {
    const controller = new AbortController();
    controller.abort('the run was abandoned');
    const outcome = failure(await run(rustSpec('/nonexistent/never-started'), makeRequest(), controller.signal));
    expect(outcome.error).toMatchObject({ code: 'TASK_CANCELLED', message: 'the run was abandoned' });
  });

  test('what a successful backend leaves running in its group is ended too', async () => {
    const { request, pidFile } = withPidFile();
    expect(await run(rustSpec(fixture('leave-orphan')), request)).toEqual({ ok: true, output: 'done' });
    const orphan = await pidFrom(pidFile);
    expect(await waitUntil(() => isGone(orphan), 3_000)).toBe(true);
  });
});

describe('a backend that cannot start', () => {
  const unavailable = async (spec: BackendSpec) => {
    const outcome = failure(await run(spec));
    expect(outcome.error.code).toBe('BACKEND_UNAVAILABLE');
    expect(outcome.retryable).toBe(false);
    return outcome.error.message;
  };

  test('a missing binary names the key to set', async () => {
    const message = await unavailable(rustSpec('/nonexistent/wp_injector'));
    expect(message).toContain('"/nonexistent/wp_injector", which does not exist');
    expect(message).toContain('set backends.rust_injector.binary_path');
  });

  test('an interpreter not on PATH', async () => {
    const message = await unavailable(phpSpec('no-such-php-interpreter'));
    expect(message).toContain('not found on PATH');
    expect(message).toContain('backends.php_engine.php_binary');
  });

  test('a file without the x bit', async () => {
    const message = await unavailable(rustSpec(fixture('symbolic-engine.php')));
    expect(message).toContain('not executable');
    expect(message).toContain('chmod +x');
  });

  test('a #! line naming a missing interpreter', async () => {
    const script = join(dir, 'bad-shebang');
    writeFileSync(script, '#!/nonexistent/interpreter\n');
    chmodSync(script, 0o755);
    expect(await unavailable(rustSpec(script))).toContain('#! line names an interpreter that does not exist');
  });

  test('parameters too long for a command line fail without a retry and point to stdin', async () => {
    const request = makeRequest({ parameters: { blob: 'x'.repeat(300_000) } });
    const outcome = failure(await run(rustSpec(fixture('echo-invocation')), request));
    expect(outcome.error.code).toBe('BACKEND_FAILED');
    expect(outcome.retryable).toBe(false);
    expect(outcome.error.message).toContain('too long for a command line');
  });

  test('a missing engine script names script_path', async () => {
    const message = await unavailable(phpSpec(fixture('fake-php'), join(dir, 'no-such-engine.php')));
    expect(message).toContain('backends.php_engine.script_path');
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
