import { afterEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.ts';
import { defaultConfig, loadConfig } from '../../src/config/load.ts';
import { resolveConfigPaths } from '../../src/config/paths.ts';
import { configErrorFrom, tempDir, writeFile, removeTempDirs } from './helpers.ts';

afterEach(removeTempDirs);

const noEnv = {};

describe('which file loadConfig reads', () => {
  test('no path, no SWARM_CONFIG, no ./swarm-config.toml: built-in defaults resolved against cwd', () => {
    const cwd = tempDir();
    const loaded = loadConfig(undefined, { env: noEnv, cwd });
    expect(loaded.file).toBeNull();
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config).toStrictEqual(resolveConfigPaths(defaultConfig(), cwd));
    expect(loaded.config.dispatcher.state_db_path).toBe(join(cwd, 'swarm-state.db'));
  });

  test('./swarm-config.toml in cwd is read when present', () => {
    const cwd = tempDir();
    const file = writeFile(cwd, 'swarm-config.toml', '[dispatcher]\nwebsocket_port = 9001\n');
    const loaded = loadConfig(undefined, { env: noEnv, cwd });
    expect(loaded.file).toBe(file);
    expect(loaded.config.dispatcher.websocket_port).toBe(9001);
  });

  test('SWARM_CONFIG beats ./swarm-config.toml, and a relative one resolves against cwd', () => {
    const cwd = tempDir();
    writeFile(cwd, 'swarm-config.toml', '[dispatcher]\nwebsocket_port = 9001\n');
    const named = writeFile(cwd, 'conf/other.toml', '[dispatcher]\nwebsocket_port = 9002\n');
    const loaded = loadConfig(undefined, { env: { SWARM_CONFIG: 'conf/other.toml' }, cwd });
    expect(loaded.file).toBe(named);
    expect(loaded.config.dispatcher.websocket_port).toBe(9002);
  });

  test('an explicit path beats SWARM_CONFIG', () => {
    const cwd = tempDir();
    const fromEnv = writeFile(cwd, 'env.toml', '[dispatcher]\nwebsocket_port = 9002\n');
    const explicit = writeFile(cwd, 'explicit.toml', '[dispatcher]\nwebsocket_port = 9003\n');
    const loaded = loadConfig(explicit, { env: { SWARM_CONFIG: fromEnv }, cwd });
    expect(loaded.file).toBe(explicit);
    expect(loaded.config.dispatcher.websocket_port).toBe(9003);
  });

  test('an empty SWARM_CONFIG counts as unset', () => {
    const cwd = tempDir();
    expect(loadConfig(undefined, { env: { SWARM_CONFIG: '' }, cwd }).file).toBeNull();
  });

  test('an explicit path that does not exist is a ConfigError', () => {
    const cwd = tempDir();
    const err = configErrorFrom(() => loadConfig('missing.toml', { env: noEnv, cwd }));
    expect(err.issues[0].file).toBe(join(cwd, 'missing.toml'));
    expect(err.message).toContain('swarm config missing.toml');
  });

  test('a SWARM_CONFIG that does not exist is a ConfigError naming SWARM_CONFIG', () => {
    const cwd = tempDir();
    const err = configErrorFrom(() => loadConfig(undefined, { env: { SWARM_CONFIG: '/nowhere/x.toml' }, cwd }));
    expect(err.issues[0].key).toBe('SWARM_CONFIG');
  });
});

describe('syntax and values', () => {
  test('a TOML syntax error names the line and column', () => {
    const dir = tempDir();
    const file = writeFile(dir, 'bad.toml', '[dispatcher]\nwebsocket_port = 8080\nbind = \n');
    const err = configErrorFrom(() => loadConfig(file, { env: noEnv }));
    expect(err.issues[0].file).toBe(file);
    expect(err.message).toContain('line 3, column 8');
    expect(err.code).toBe('CONFIG_INVALID');
  });

  test('every invalid value is reported at once, each as section.key', () => {
    const file = writeFile(
      tempDir(),
      'bad.toml',
      [
        '[dispatcher]',
        'websocket_port = 70000',
        'local_workers = -1',
        'coordinator_endpoint = "http://localhost:8080"',
        '[coordinator]',
        'task_retry_limit = "three"',
        '[worker.capabilities]',
        'rust = "yes"',
        '[logging]',
        'level = "trace"',
        '[security]',
        'allowed_hosts = ["localhost", 3]',
      ].join('\n'),
    );
    const err = configErrorFrom(() => loadConfig(file, { env: noEnv }));
    expect(err.issues.map((i) => i.key).sort()).toEqual(
      [
        'coordinator.task_retry_limit',
        'dispatcher.coordinator_endpoint',
        'dispatcher.local_workers',
        'dispatcher.websocket_port',
        'logging.level',
        'security.allowed_hosts[1]',
        'worker.capabilities.rust',
      ].sort(),
    );
    expect(err.issues.every((i) => i.file === file)).toBe(true);
    const portIssue = err.issues.find((i) => i.key === 'dispatcher.websocket_port');
    expect(portIssue?.message).toBe('expected a TCP port number (0 picks a free one) from 0 to 65535 (got 70000)');
  });

  test('a section that is not a table ([[dispatcher]], dispatcher = 5) is named in words, not the library\'s', () => {
    const messages = (toml: string) => configErrorFrom(() => loadConfig(writeFile(tempDir(), 'bad.toml', toml), { env: noEnv })).issues.map((i) => `${i.key}: ${i.message}`);
    expect(messages('[[dispatcher]]\nlocal_workers = 2\n')).toEqual([
      'dispatcher: expected a table ([dispatcher] and its keys), got an array of tables; write [dispatcher], not [[dispatcher]] (got [{"local_workers":2}])',
    ]);
    expect(messages('dispatcher = 5\n')).toEqual(['dispatcher: expected a table ([dispatcher] and its keys) (got 5)']);
    expect(messages('[backends]\nphp_engine = "x"\n')).toEqual(['backends.php_engine: expected a table ([backends.php_engine] and its keys) (got "x")']);
  });

  test('an infinite number (1e309, inf) is shown as such, not as the null JSON would write', () => {
    const file = writeFile(tempDir(), 'inf.toml', '[dispatcher]\nshutdown_grace = 1e309\n');
    const err = configErrorFrom(() => loadConfig(file, { env: noEnv }));
    expect(err.issues[0].message).toEndWith('(got Infinity, which is not a finite number)');
  });

  test('a workflow_name of only white space is refused as an empty one is', () => {
    for (const blank of ['""', '"   "', '"\\t \\n"']) {
      const file = writeFile(tempDir(), 'blank-name.toml', `[dispatcher]\nworkflow_name = ${blank}\n`);
      const err = configErrorFrom(() => loadConfig(file, { env: noEnv }));
      expect(err.issues).toMatchObject([{ key: 'dispatcher.workflow_name', message: expect.stringContaining('a workflow name') }]);
    }
  });

  test.each([
    ['[dispatcher]\nwebsocket_port = -1', 'dispatcher.websocket_port'],
    ['[dispatcher]\nbind = "not a host"', 'dispatcher.bind'],
    ['[dispatcher]\ntasks_per_thread = 0', 'dispatcher.tasks_per_thread'],
    ['[dispatcher]\nshutdown_grace = 1.5', 'dispatcher.shutdown_grace'],
    ['[dispatcher]\nstate_db_path = ""', 'dispatcher.state_db_path'],
    ['[coordinator]\nretry_backoff_base = -1', 'coordinator.retry_backoff_base'],
    ['[coordinator]\nretry_backoff_base = 5000\nretry_backoff_max = 1000', 'coordinator.retry_backoff_max'],
    ['[coordinator]\nheartbeat_interval = 20000', 'coordinator.heartbeat_timeout'],
    ['[worker]\nheartbeat_interval = 20000', 'worker.heartbeat_interval'],
    ['[worker]\ndispatcher_url = "localhost:8080"', 'worker.dispatcher_url'],
    ['[worker]\ndispatcher_url = "http://localhost:8080"', 'worker.dispatcher_url'],
    ['[worker]\nmax_concurrent_tasks = 2\n[worker.capabilities]\nmax_concurrent_tasks = 3', 'worker.capabilities.max_concurrent_tasks'],
    ['[backends.rust_injector]\nenabled = true', 'backends.rust_injector.binary_path'],
    ['[backends.php_engine]\nenabled = true', 'backends.php_engine.script_path'],
    ['[backends.powershell_engine]\ntimeout = 0', 'backends.powershell_engine.timeout'],
    ['[backends.php_engine]\nmax_output_size = -5', 'backends.php_engine.max_output_size'],
    ['[logging]\nformat = "xml"', 'logging.format'],
    ['[logging]\nconsole = "yes"', 'logging.console'],
    ['[security]\nmax_message_size = 100', 'security.max_message_size'],
    ['[security]\nallowed_hosts = "localhost"', 'security.allowed_hosts'],
    ['dispatcher = 5', 'dispatcher'],
  ])('%p is rejected, naming %s', (toml, key) => {
    const file = writeFile(tempDir(), 'bad.toml', toml);
    const err = configErrorFrom(() => loadConfig(file, { env: noEnv }));
    expect(err.issues.map((i) => i.key)).toEqual([key]);
    expect(err.message).toContain(key);
  });

  test('worker.capabilities.max_concurrent_tasks defaults to the worker\'s max_concurrent_tasks', () => {
    const file = writeFile(tempDir(), 'c.toml', '[worker]\nmax_concurrent_tasks = 6\n');
    expect(loadConfig(file, { env: noEnv }).config.worker.capabilities.max_concurrent_tasks).toBe(6);
    const lower = writeFile(tempDir(), 'c.toml', '[worker]\nmax_concurrent_tasks = 6\n[worker.capabilities]\nmax_concurrent_tasks = 2\n');
    expect(loadConfig(lower, { env: noEnv }).config.worker.capabilities.max_concurrent_tasks).toBe(2);
  });

  test('local_workers = 0 (coordinate only) is allowed', () => {
    const file = writeFile(tempDir(), 'c.toml', '[dispatcher]\nlocal_workers = 0\n');
    expect(loadConfig(file, { env: noEnv }).config.dispatcher.local_workers).toBe(0);
  });
});

describe('unknown keys', () => {
  test('warn once each, with a guess, and do not stop loading', () => {
    const file = writeFile(
      tempDir(),
      'c.toml',
      '[dispatcher]\nfoo = 1\nwebsocket_prot = 9000\ntoString = 1\n[dispatch]\nx = 1\n[coordinator]\nnode_name = "a"\n',
    );
    const { config, warnings } = loadConfig(file, { env: noEnv });
    expect(config.dispatcher.websocket_port).toBe(8080);
    expect(warnings).toEqual([
      `unknown key dispatcher.foo in ${file}; it is ignored`,
      `unknown key dispatcher.websocket_prot in ${file}; it is ignored (did you mean dispatcher.websocket_port?)`,
      `unknown key dispatcher.toString in ${file}; it is ignored`,
      `unknown section [dispatch] in ${file}; it is ignored (did you mean [dispatcher]?)`,
      `unknown key coordinator.node_name in ${file}; it is ignored (did you mean worker.node_name?)`,
    ]);
  });
});

describe('relative paths', () => {
  test('resolve against the config file\'s directory, not cwd', () => {
    const cwd = tempDir();
    const confDir = join(tempDir(), 'etc');
    const file = writeFile(
      confDir,
      'swarm.toml',
      [
        '[dispatcher]',
        'state_db_path = "data/state.db"',
        'manifest_path = "../flows/main.yaml"',
        '[logging]',
        'file = "logs/swarm.log"',
        '[backends.rust_injector]',
        'binary_path = "bin/wp_injector"',
        '[backends.php_engine]',
        'script_path = "php/engine.php"',
        'php_binary = "./vendor/php"',
        '[backends.powershell_engine]',
        'script_path = "/opt/symbolic.ps1"',
      ].join('\n'),
    );
    const { config } = loadConfig(file, { env: noEnv, cwd });
    expect(config.dispatcher.state_db_path).toBe(join(confDir, 'data/state.db'));
    expect(config.dispatcher.manifest_path).toBe(join(confDir, '../flows/main.yaml'));
    expect(config.logging.file).toBe(join(confDir, 'logs/swarm.log'));
    expect(config.backends.rust_injector.binary_path).toBe(join(confDir, 'bin/wp_injector'));
    expect(config.backends.php_engine.script_path).toBe(join(confDir, 'php/engine.php'));
    expect(config.backends.php_engine.php_binary).toBe(join(confDir, 'vendor/php'));
    expect(config.backends.powershell_engine.script_path).toBe('/opt/symbolic.ps1');
    // A bare command name is looked up on PATH when run, so it stays as written.
    expect(config.backends.powershell_engine.pwsh_binary).toBe('pwsh');
  });

  test('":memory:" and an empty log file are not paths', () => {
    const file = writeFile(tempDir(), 'c.toml', '[dispatcher]\nstate_db_path = ":memory:"\n[logging]\nfile = ""\n');
    const { config } = loadConfig(file, { env: noEnv });
    expect(config.dispatcher.state_db_path).toBe(':memory:');
    expect(config.logging.file).toBe('');
  });
});

test('loadConfig errors are ConfigErrors (exit code 2 in the CLI)', () => {
  const file = writeFile(tempDir(), 'c.toml', '[dispatcher]\nwebsocket_port = "x"\n');
  expect(() => loadConfig(file, { env: noEnv })).toThrow(ConfigError);
});
