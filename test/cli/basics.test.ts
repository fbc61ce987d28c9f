import { afterEach, describe, expect, test } from 'bun:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfigText } from '../../src/config/index.ts';
import { ROOT, sandbox, swarm, swarmJson, TIMEOUT, writeManifest, removeTempDirs } from './helpers.ts';

afterEach(removeTempDirs);

describe('swarm config', () => {
  test('writes the commented default config and refuses to overwrite it without --force', async () => {
    const { dir } = sandbox();
    const file = join(dir, 'swarm-config.toml');

    const first = await swarm(['config', file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe(defaultConfigText());

    writeFileSync(file, '# mine\n');
    const again = await swarm(['config', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    expect(readFileSync(file, 'utf8')).toBe('# mine\n');

    const forced = await swarmJson(['config', file, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.json).toEqual({ written: file });
    expect(readFileSync(file, 'utf8')).toBe(defaultConfigText());
  }, TIMEOUT);
});

describe('swarm validate', () => {
  test('a valid manifest: exit 0 and a one-line summary', async () => {
    const result = await swarm(['validate', 'examples/hello.yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toContain('"hello", 6 symbols');
    expect(result.stdout).toContain('noop → greet');

    const json = await swarmJson(['validate', 'examples/hello.toml']);
    expect(json.code).toBe(0);
    expect(json.json).toMatchObject({ valid: true, symbols: 6, problems: 0, issues: [] });
    expect(typeof json.json.name).toBe('string');
  }, TIMEOUT);

  test("the order is the run's: highest priority first among symbols whose dependencies are done, as the scheduler does (unless the config turns its priority queue off)", async () => {
    const { dir, config } = sandbox();
    const symbol = (name: string, priority: string) => `  - {name: ${name}, type: action, priority: ${priority}, dependencies: [root], parameters: {operation: noop}}`;
    const file = writeManifest(
      dir,
      'priorities.yaml',
      ['name: prio', 'symbols:', '  - {name: root, type: action, parameters: {operation: noop}}', symbol('low', '-9007199254740991'), symbol('mid', '0'), symbol('high', '9007199254740991'), symbol('high2', '9007199254740990'), symbol('neg1', '-1'), ''].join('\n'),
    );
    const text = await swarm(['validate', file, config]);
    expect(text.stdout).toContain('order: root → high → high2 → mid → neg1 → low');
    const json = await swarmJson(['validate', file, config]);
    expect(json.json.order).toEqual(['root', 'high', 'high2', 'mid', 'neg1', 'low']);
    const fifo = join(dir, 'fifo.toml');
    writeFileSync(fifo, '[logging]\nfile = ""\n[coordinator]\npriority_queue_enabled = false\n');
    expect((await swarm(['validate', file, fifo])).stdout).toContain('order: root → low → mid → high → high2 → neg1');
  }, TIMEOUT);

  test('a module file missing where a run here would look for it is a warning, not a problem', async () => {
    const { dir } = sandbox();
    const file = writeManifest(
      dir,
      'modules.yaml',
      [
        'name: mods',
        'symbols:',
        '  - {name: a, type: action, parameters: {operation: module, module: ./missing.ts}}',
        '  - {name: b, type: action, parameters: {operation: module, module: ./missing.ts}}',
        `  - {name: c, type: action, parameters: {operation: module, module: ${join(ROOT, 'examples/modules/summarize-posts.ts')}}}`,
        // Found the way a run finds it (Bun's resolution): no warning.
        `  - {name: d, type: action, parameters: {operation: module, module: ${join(ROOT, 'examples/modules/summarize-posts.js')}}}`,
        `  - {name: e, type: action, parameters: {operation: module, module: ${join(ROOT, 'examples/modules/summarize-posts')}}}`,
        '',
      ].join('\n'),
    );
    const text = await swarm(['validate', file]);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe(`warning: module ${join(dir, 'missing.ts')} (a, b) does not exist here: a run on this host fails it; a remote worker needs it at this path\n`);
    const json = await swarmJson(['validate', file]);
    expect(json.json).toMatchObject({ valid: true, warnings: [expect.stringContaining('missing.ts (a, b) does not exist here')] });
    expect(json.json.warnings).toHaveLength(1);
  }, TIMEOUT);

  test('a big manifest: the summary names the first 20 symbols of the order; --json has all of it', async () => {
    const { dir } = sandbox();
    const lines = ['name: wide', 'symbols:'];
    for (let i = 0; i < 25; i++) lines.push(`  - name: s${i}`, '    type: action', '    parameters: {operation: noop}');
    const file = writeManifest(dir, 'wide.yaml', `${lines.join('\n')}\n`);
    const result = await swarm(['validate', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('s18 → s19 → … (5 more; --json lists them all)');
    expect(result.stdout).not.toContain('s20');
    const json = await swarmJson(['validate', file]);
    expect(json.json.order).toHaveLength(25);
  }, TIMEOUT);

  test('an invalid manifest: exit 2 and every issue with file:line', async () => {
    const { dir } = sandbox();
    const file = writeManifest(
      dir,
      'bad.yaml',
      ['name: bad', 'symbols:', '  - name: a', '    type: nope', '    parameters: {operation: noop}', '    dependencies: [zz]', ''].join('\n'),
    );
    const result = await swarm(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}:4:`);
    expect(result.stderr).toContain('field "type"');
    expect(result.stderr).toContain(`${file}:6:`);
    expect(result.stderr).toContain('unknown dependency "zz"');

    const json = await swarmJson(['validate', file]);
    expect(json.code).toBe(2);
    expect(json.json.valid).toBe(false);
    expect(json.json.issues.length).toBe(2);
    expect(json.json.problems).toBe(2);
    expect(json.json.issues[0]).toMatchObject({ file, line: 4, symbol: 'a', field: 'type' });
  }, TIMEOUT);

  test('a missing manifest file is invalid too', async () => {
    const { dir } = sandbox();
    const result = await swarmJson(['validate', join(dir, 'nope.yaml')]);
    expect(result.code).toBe(2);
    expect(result.json.valid).toBe(false);
    expect(result.json.issues[0].message).toContain('no such file');
  }, TIMEOUT);
});

describe('swarm schema', () => {
  test('prints the manifest JSON Schema', async () => {
    const result = await swarm(['schema']);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(schema.$schema).toContain('2020-12');
    expect(schema.properties.symbols).toBeDefined();
  }, TIMEOUT);
});

describe('usage errors', () => {
  test('unknown command, unknown option and a missing argument exit 2 with commander\'s message', async () => {
    const unknown = await swarm(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");

    const option = await swarm(['validate', 'examples/hello.yaml', '--bogus']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--bogus'");

    const missing = await swarmJson(['show']);
    expect(missing.code).toBe(2);
    expect(missing.json.error).toMatchObject({ name: 'UsageError', code: 'USAGE' });
    expect(missing.json.error.message).toContain("missing required argument 'run'");
    expect(missing.stderr).toBe('');

    // `run` takes a manifest or --resume: with neither, it says so.
    const noManifest = await swarmJson(['run']);
    expect(noManifest.code).toBe(2);
    expect(noManifest.json.error.message).toContain('needs a manifest file (or --resume <run>)');
    // With --resume, a manifest is refused as one, not read as a config (it said "invalid TOML").
    for (const manifest of ['examples/hello.yaml', 'examples/hello.toml']) {
      const both = await swarmJson(['run', manifest, '--resume', 'some-run']);
      expect({ manifest, code: both.code }).toEqual({ manifest, code: 2 });
      expect(both.json.error.message).toContain('--resume <run> takes no manifest');
    }
  }, TIMEOUT);

  test('--help exits 0', async () => {
    const help = await swarm(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['config', 'validate', 'schema', 'run', 'runs', 'show', 'history']) {
      expect(help.stdout).toContain(command);
    }
  }, TIMEOUT);
});
