import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { fixture, prepareFixtures } from '../backends/helpers.ts';
import { killDispatchers, startDispatcher } from './dispatcher-process.ts';
import { removeTempDirs, swarm, swarmJson, writeManifest } from './helpers.ts';
import { killWorkers, remoteOnlyConfig, startWorker, waitForNodeIds } from './worker-process.ts';

// Capability routing with real processes: a dispatcher with no threads of its own, one worker
// that offers the rust injector (a stand-in executable) and one that offers internal only.
setDefaultTimeout(60_000);
beforeAll(prepareFixtures);
afterEach(async () => {
  await killWorkers();
  await killDispatchers();
  removeTempDirs();
});

/** A copy of `config` with extra TOML tables appended (one worker's own backends). */
function withTables(config: string, name: string, lines: string[]): string {
  const path = join(config, '..', `${name}.toml`);
  writeFileSync(path, `${readFileSync(config, 'utf8')}\n${lines.join('\n')}\n`);
  return path;
}

const RUST_STAND_IN = ['[backends.rust_injector]', 'enabled = true', `binary_path = "${fixture('echo-invocation')}"`];

describe('capability routing (separate processes)', () => {
  test('backend tasks go only to the worker that offers the backend; internal tasks to either', async () => {
    const { dir, config } = remoteOnlyConfig();
    const d = await startDispatcher(config);
    startWorker(withTables(config, 'rusty', RUST_STAND_IN), d.url, 'rusty');
    startWorker(config, d.url, 'plain');
    await waitForNodeIds(d.url, ['remote:plain', 'remote:rusty']);
    const symbols = Array.from({ length: 6 }, (_, i) =>
      [
        `  - name: inject-${i}`,
        '    type: action',
        '    context: wordpress',
        '    dispatch: rust_injector',
        `    parameters: {post: ${i}}`,
        `  - name: note-${i}`,
        '    type: action',
        '    parameters: {operation: noop}',
      ].join('\n'),
    );
    const manifest = writeManifest(dir, 'mixed.yaml', `name: mixed\nsymbols:\n${symbols.join('\n')}\n`);
    const { code, json } = await swarmJson(['deploy', manifest, config, '--url', d.url]);
    expect(code).toBe(0);
    const injected = json.tasks.filter((t: { name: string }) => t.name.startsWith('inject-'));
    expect(injected).toHaveLength(6);
    for (const task of injected) {
      expect(task.node).toBe('remote:rusty');
      // The stand-in printed how it was started: the exact argv of the contract, and the request on stdin.
      const i = Number(task.name.split('-')[1]);
      expect(task.output.argv).toEqual(['--symbol', task.name, '--type', 'action', '--context', 'wordpress', '--params', JSON.stringify({ post: i })]);
      expect(JSON.parse(task.output.stdin)).toMatchObject({ runId: json.runId, task: task.name, attempt: 1 });
      expect(task.output.env.SWARM_SYMBOL).toBe(task.name);
    }
    for (const task of json.tasks.filter((t: { name: string }) => t.name.startsWith('note-'))) {
      expect(['remote:rusty', 'remote:plain']).toContain(task.node);
    }
  });

  test('a backend that fails its health check is not advertised; its tasks fail with NO_CAPABLE_NODE after node_wait_timeout', async () => {
    const { dir, config } = remoteOnlyConfig({ dispatcher: [] });
    const dispatcherConfig = withTables(config, 'dispatcher', []);
    // node_wait_timeout is a [coordinator] key: rewrite the section's copy for the dispatcher.
    writeFileSync(dispatcherConfig, readFileSync(dispatcherConfig, 'utf8').replace('[coordinator]\n', '[coordinator]\nnode_wait_timeout = 1500\n'));
    const d = await startDispatcher(dispatcherConfig);
    const broken = startWorker(
      withTables(config, 'broken', ['[backends.php_engine]', 'enabled = true', 'php_binary = "/nonexistent/php"', `script_path = "${fixture('symbolic-engine.php')}"`]),
      d.url,
      'broken',
    );
    await waitForNodeIds(d.url, ['remote:broken']);
    const [warning] = await broken.waitForLog('backend php_engine is not offered', 10_000);
    expect(warning.level).toBe('warn');
    expect(warning.msg).toContain('backends.php_engine.php_binary');
    const manifest = writeManifest(
      dir,
      'php.yaml',
      'name: php\nsymbols:\n  - {name: set-title, type: action, dispatch: php_engine, retries: 0}\n  - {name: after, type: action, parameters: {operation: noop}}\n',
    );
    const { code, json } = await swarmJson(['deploy', manifest, dispatcherConfig, '--url', d.url]);
    expect(code).toBe(1);
    const php = json.tasks.find((t: { name: string }) => t.name === 'set-title');
    expect(php.error.code).toBe('NO_CAPABLE_NODE');
    expect(php.error.message).toContain('none joined within 1500 ms');
    expect(json.tasks.find((t: { name: string }) => t.name === 'after').node).toBe('remote:broken');
  });
});

describe('backends on the local host (swarm run)', () => {
  test('enabled, healthy backends run their symbols as processes on a node of their own, dependency outputs on stdin', async () => {
    const { dir, config } = remoteOnlyConfig();
    writeFileSync(
      config,
      [
        '[logging]',
        'file = ""',
        '[dispatcher]',
        'local_workers = 1',
        `state_db_path = "${join(dir, 'local.db')}"`,
        '[backends.rust_injector]',
        'enabled = true',
        `binary_path = "${fixture('echo-invocation')}"`,
        '[backends.powershell_engine]',
        'enabled = true',
        `pwsh_binary = "${fixture('fake-pwsh')}"`,
        `script_path = "${fixture('symbolic.ps1')}"`,
        '',
      ].join('\n'),
    );
    const manifest = writeManifest(
      dir,
      'local.yaml',
      [
        'name: local-backends',
        'symbols:',
        '  - {name: inject, type: transform, context: database, dispatch: rust_injector, parameters: {table: wp_posts}}',
        '  - {name: ps, type: query, dispatch: powershell_engine, dependencies: [inject], parameters: {q: 1}}',
        '',
      ].join('\n'),
    );
    const { code, json } = await swarmJson(['run', manifest, config]);
    expect(code).toBe(0);
    const [inject, ps] = json.tasks;
    expect(inject.node).toBe('local-backends');
    expect(inject.output.argv).toEqual(['--symbol', 'inject', '--type', 'transform', '--context', 'database', '--params', '{"table":"wp_posts"}']);
    expect(ps.output.argv).toEqual([
      '-File', fixture('symbolic.ps1'), '-SymbolName', 'ps', '-SymbolType', 'query', '-Context', 'generic', '-Parameters', '{"q":1}',
    ]);
    // The dependency's output reached the backend on stdin.
    expect(JSON.parse(ps.output.stdin).dependencies.inject.argv[0]).toBe('--symbol');
  });
});

describe('swarm backend check', () => {
  test('reports what works (health check and a probe symbol) and what does not, with the fix', async () => {
    const { config } = remoteOnlyConfig();
    writeFileSync(
      config,
      [
        '[logging]',
        'file = ""',
        '[backends.rust_injector]',
        'enabled = true',
        `binary_path = "${fixture('echo-invocation')}"`,
        '[backends.php_engine]',
        'enabled = true',
        'php_binary = "/nonexistent/php"',
        `script_path = "${fixture('symbolic-engine.php')}"`,
        '',
      ].join('\n'),
    );
    const { code, json } = await swarmJson(['backend', 'check', config]);
    expect(code).toBe(1);
    const [rust, php, pwsh] = json.backends;
    expect(rust).toMatchObject({ backend: 'rust_injector', enabled: true, ok: true });
    expect(rust.detail).toContain('probe answered');
    expect(rust.detail).toContain('swarm.probe'); // the stand-in echoes its argv back
    expect(php).toMatchObject({ backend: 'php_engine', enabled: true, ok: false });
    expect(php.fix).toContain('backends.php_engine.php_binary');
    expect(pwsh).toMatchObject({ backend: 'powershell_engine', enabled: false });
    const text = await swarm(['backend', 'check', config]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('✓ rust_injector: works');
    expect(text.stdout).toContain('✗ php_engine: does not work');
    expect(text.stdout).toContain('- powershell_engine: disabled');
  });
});
