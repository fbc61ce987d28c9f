import { beforeAll, describe, expect, test } from 'bun:test';
import {
  backendCommand,
  backendSpec,
  enabledBackends,
  type BackendSpec,
} from '../../actors/backends/backend-command.ts';
import { runBackendProcess } from '../../actors/backends/process-runner.ts';
import { configSchema } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/errors.ts';
import { fixture, makeRequest, phpSpec, prepareFixtures, pwshSpec, rustSpec } from './helpers.ts';

beforeAll(prepareFixtures);

const request = makeRequest();
const params = JSON.stringify(request.symbol.parameters);
/** The rust_injector and php_engine forms share these, written out literally. */
const POSIX_ARGS = ['--symbol', 'apply-settings', '--type', 'action', '--context', 'wordpress', '--params', params];
const PWSH_ARGS = [
  ...['-SymbolName', 'apply-settings', '-SymbolType', 'action'],
  ...['-Context', 'wordpress', '-Parameters', params],
];

describe('backendCommand: the three argument forms', () => {
  test('rust_injector: <binary_path> --symbol NAME --type TYPE --context CTX --params JSON', () => {
    expect(backendCommand(rustSpec('/opt/wp_injector'), request)).toEqual({
      file: '/opt/wp_injector',
      args: POSIX_ARGS,
    });
  });

  test('php_engine: <php_binary> <script_path> --symbol NAME --type TYPE --context CTX --params JSON', () => {
    expect(backendCommand(phpSpec('php', '/srv/symbolic-engine.php'), request)).toEqual({
      file: 'php',
      args: ['/srv/symbolic-engine.php', ...POSIX_ARGS],
    });
  });

  test('powershell_engine: <pwsh_binary> -File <script_path> -SymbolName NAME … -Parameters JSON', () => {
    expect(backendCommand(pwshSpec('pwsh', '/srv/symbolic.ps1'), request)).toEqual({
      file: 'pwsh',
      args: ['-File', '/srv/symbolic.ps1', ...PWSH_ARGS],
    });
  });
});

describe('the argv a backend process receives (no shell in between)', () => {
  const signal = new AbortController().signal;
  const received = async (spec: BackendSpec) => {
    const outcome = await runBackendProcess(spec, request, signal);
    if (!outcome.ok) throw new Error(outcome.error.message);
    return outcome.output as { argv: string[]; stdin: string };
  };

  test('rust_injector form, with quotes, $( ) and a newline in the parameters unchanged', async () => {
    const { argv, stdin } = await received(rustSpec(fixture('echo-invocation')));
    expect(argv).toEqual(POSIX_ARGS);
    expect(JSON.parse(argv[7])).toEqual(request.symbol.parameters);
    expect(JSON.parse(stdin)).toEqual(request);
  });

  test('php_engine form through a stand-in interpreter', async () => {
    const script = fixture('symbolic-engine.php');
    const { argv, stdin } = await received(phpSpec(fixture('fake-php'), script));
    expect(argv).toEqual([script, ...POSIX_ARGS]);
    expect(JSON.parse(stdin)).toEqual(request);
  });

  test('powershell_engine form through a stand-in interpreter', async () => {
    const script = fixture('symbolic.ps1');
    const { argv, stdin } = await received(pwshSpec(fixture('fake-pwsh'), script));
    expect(argv).toEqual(['-File', script, ...PWSH_ARGS]);
    expect(JSON.parse(stdin)).toEqual(request);
  });
});

describe('specs from the [backends] config', () => {
  const backends = configSchema.parse({
    backends: {
      rust_injector: { enabled: true, binary_path: '/opt/wp_injector', timeout: 5_000 },
      php_engine: { enabled: false, script_path: '/srv/symbolic-engine.php' },
      powershell_engine: { enabled: true, script_path: '/srv/symbolic.ps1', max_output_size: 2_048 },
    },
  }).backends;

  test('enabledBackends lists the enabled ones with their limits', () => {
    expect(enabledBackends(backends)).toEqual([
      { target: 'rust_injector', binaryPath: '/opt/wp_injector', timeoutMs: 5_000, maxOutputBytes: 1_048_576 },
      {
        target: 'powershell_engine',
        pwshBinary: 'pwsh',
        scriptPath: '/srv/symbolic.ps1',
        timeoutMs: 30_000,
        maxOutputBytes: 2_048,
      },
    ]);
  });

  test('the default config enables none', () => {
    expect(enabledBackends(configSchema.parse({}).backends)).toEqual([]);
  });

  test('backendSpec of a section without its path names the key to set', () => {
    const defaults = configSchema.parse({}).backends;
    expect(() => backendSpec('php_engine', defaults)).toThrow(ConfigError);
    expect(() => backendSpec('php_engine', defaults)).toThrow('backends.php_engine.script_path');
    const php = backendSpec('php_engine', backends);
    expect(php).toMatchObject({ phpBinary: 'php', scriptPath: '/srv/symbolic-engine.php' });
  });
});
