import { beforeAll, describe, expect, test } from 'bun:test';
import { checkBackend, checkBackends, type BackendHealth } from '../../actors/backends/backend-health.ts';
import { fixture, phpSpec, prepareFixtures, pwshSpec, rustSpec } from './helpers.ts';

beforeAll(prepareFixtures);

function notOk(health: BackendHealth) {
  if (health.ok) throw new Error(`expected a problem, got: ${health.detail}`);
  return health;
}

describe('healthy backends', () => {
  test('rust_injector: the binary is executable', async () => {
    const health = await checkBackend(rustSpec(fixture('echo-invocation')));
    const detail = expect.stringContaining(fixture('echo-invocation'));
    expect(health).toEqual({ target: 'rust_injector', ok: true, detail });
  });

  test('php_engine and powershell_engine: the interpreter answers its version flag', async () => {
    const [php, pwsh] = await checkBackends([phpSpec(fixture('fake-php')), pwshSpec(fixture('fake-pwsh'))]);
    expect(php).toMatchObject({ target: 'php_engine', ok: true, detail: expect.stringContaining('PHP 8.3.0 (cli)') });
    const pwshDetail = expect.stringContaining('PowerShell 7.4.0');
    expect(pwsh).toMatchObject({ target: 'powershell_engine', ok: true, detail: pwshDetail });
  });

  test('a bare interpreter name is found on PATH', async () => {
    // `sh -v` reads commands from its (empty) stdin and exits 0: a cheap interpreter that is everywhere.
    const health = await checkBackend(phpSpec('sh'));
    expect(health.ok).toBe(true);
  });
});

describe('unhealthy backends say what to fix', () => {
  test('a missing binary', async () => {
    const health = notOk(await checkBackend(rustSpec('/nonexistent/wp_injector')));
    expect(health.problem).toContain('"/nonexistent/wp_injector", which does not exist');
    expect(health.fix).toBe('set backends.rust_injector.binary_path to the path of the wp_injector binary');
  });

  test('an interpreter that is not on PATH', async () => {
    const health = notOk(await checkBackend(pwshSpec('no-such-pwsh')));
    expect(health.problem).toContain('not found on PATH');
    expect(health.fix).toContain('backends.powershell_engine.pwsh_binary');
  });

  test('a binary without the x bit', async () => {
    const health = notOk(await checkBackend(rustSpec(fixture('symbolic-engine.php'))));
    expect(health.problem).toContain('not executable');
    expect(health.fix).toContain('chmod +x');
  });

  test('a missing engine script', async () => {
    const health = notOk(await checkBackend(phpSpec(fixture('fake-php'), '/nonexistent/symbolic-engine.php')));
    expect(health.problem).toContain('backends.php_engine.script_path');
    expect(health.fix).toContain('set backends.php_engine.script_path');
  });

  test('an engine script that is a directory', async () => {
    const health = notOk(await checkBackend(pwshSpec(fixture('fake-pwsh'), import.meta.dir)));
    expect(health.problem).toContain('not a file');
    expect(health.fix).toContain('backends.powershell_engine.script_path');
  });

  test('an interpreter whose version probe fails', async () => {
    const health = notOk(await checkBackend(phpSpec(fixture('fail-with-stderr'))));
    expect(health.problem).toContain('-v" exited with code 3');
    expect(health.problem).toContain('table wp_options is locked');
    expect(health.fix).toContain('backends.php_engine.php_binary');
  });

  test('an interpreter that does not answer within the probe timeout', async () => {
    const spec = phpSpec(fixture('sleep-with-grandchild'));
    const health = notOk(await checkBackend(spec, { probeTimeoutMs: 300, killGraceMs: 200 }));
    expect(health.problem).toContain('did not answer within 300 ms');
    expect(health.fix).toContain('backends.php_engine.php_binary');
  });
});
