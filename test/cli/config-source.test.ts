import { afterEach, describe, expect, test } from 'bun:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.ts';
import { sandbox, swarm, swarmJson, TIMEOUT, removeTempDirs } from './helpers.ts';

/**
 * Every config problem names where the value came from: the config file, an environment
 * variable, or no config file at all (found from outside: a log file the config names, and
 * SWARM_TASK_ENGINE, were reported as `<config>: …`).
 */

afterEach(removeTempDirs);

/** `swarm …args` in `cwd`, with no config but what `env` gives. */
function inDir(cwd: string, args: string[], env: Record<string, string> = {}) {
  const { SWARM_CONFIG: _c, SWARM_AUTH_TOKEN: _t, SWARM_DATABASE_URL: _d, ...outer } = process.env;
  const child = Bun.spawnSync([process.execPath, join(import.meta.dir, '../../src/cli/bin.ts'), ...args], { cwd, env: { ...outer, ...env } });
  return { code: child.exitCode, stderr: child.stderr.toString() };
}

describe('where a config problem is', () => {
  test('found once the config is in use (a log file it names, a bind without a token, a worker name): the file', async () => {
    const { dir } = sandbox();
    const logging = join(dir, 'c2.toml');
    writeFileSync(logging, '[logging]\nfile = "/proc/nope/x.log"\n');
    const run = await swarm(['run', 'examples/hello.yaml', logging, '--db', join(dir, 'state.db')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${logging}: logging.file: cannot open /proc/nope/x.log`);
    expect(run.stderr).not.toContain('<config>');
    const json = await swarmJson(['run', 'examples/hello.yaml', logging, '--db', join(dir, 'state.db')]);
    expect(json.json.error.issues).toEqual([expect.objectContaining({ file: logging, key: 'logging.file' })]);

    const open = join(dir, 'open.toml');
    writeFileSync(open, '[logging]\nfile = ""\n[dispatcher]\nbind = "0.0.0.0"\nwebsocket_port = 0\n');
    const dispatcher = await swarm(['start-dispatcher', open, '--db', join(dir, 'state.db')]);
    expect(dispatcher.code).toBe(2);
    expect(dispatcher.stderr).toContain(`${open}: dispatcher.auth_token: is required`);

    const worker = join(dir, 'worker.toml');
    writeFileSync(worker, '[logging]\nfile = ""\n[worker]\nnode_name = "bad name!"\ndispatcher_url = "ws://127.0.0.1:1"\n');
    const started = await swarm(['start-worker', worker]);
    expect(started.code).toBe(2);
    expect(started.stderr).toContain(`${worker}: worker.node_name: the worker name "bad name!" is not allowed`);
  }, TIMEOUT);

  test('an environment variable is named as one, not as a key of the file', async () => {
    const { config } = sandbox();
    const engine = await swarm(['run', 'examples/hello.yaml'], config, { SWARM_TASK_ENGINE: 'bogus' });
    expect(engine.code).toBe(2);
    expect(engine.stderr).toContain('  environment variable SWARM_TASK_ENGINE: expected one of "compiled", "xstate" (got "bogus")');
    expect(engine.stderr).not.toContain('<config>');

    const url = await swarm(['runs'], config, { SWARM_DATABASE_URL: 'mysql://x' });
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('  environment variable SWARM_DATABASE_URL: expected a PostgreSQL URL');
    expect(url.stderr).not.toContain(`${config}: SWARM_DATABASE_URL`);
  }, TIMEOUT);

  test('with no config file, the problem is said to come from the built-in defaults', async () => {
    const { dir } = sandbox();
    const cwd = join(dir, 'empty');
    mkdirSync(join(cwd, 'swarm.log'), { recursive: true }); // where the default log file would go
    const run = inDir(cwd, ['run', join(import.meta.dir, '../../examples/hello.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`built-in defaults (no config file): logging.file: cannot open ${join(cwd, 'swarm.log')}: it is a directory, not a file`);
    expect(run.stderr).not.toContain('<config>');
    expect(run.stderr).not.toContain('EISDIR');
  }, TIMEOUT);

  test('a ConfigError made with no file and no variable does not say <config>', () => {
    expect(new ConfigError([{ key: 'logging.file', message: 'bad' }]).message).not.toContain('<config>');
    expect(new ConfigError([{ key: 'X', env: 'X', message: 'bad' }]).message).toContain('  environment variable X: bad');
  });
});
