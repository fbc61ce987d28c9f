import { afterEach, describe, expect, test } from 'bun:test';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { npmInvocationDirectory } from '../../src/cli/npm-directory.ts';
import { ROOT, TIMEOUT, removeTempDirs, sandbox } from './helpers.ts';

afterEach(removeTempDirs);

const packageJson = join(ROOT, 'package.json');

describe('npmInvocationDirectory', () => {
  test('the directory npm was typed in, for the swarm script run from the package root', () => {
    const env = { INIT_CWD: join(ROOT, 'examples'), npm_lifecycle_event: 'swarm', npm_package_json: packageJson };
    expect(npmInvocationDirectory(env, ROOT)).toBe(join(ROOT, 'examples'));
  });

  test('nothing when typed in the root, or when the CLI was not started by the swarm script', () => {
    expect(npmInvocationDirectory({ INIT_CWD: ROOT, npm_lifecycle_event: 'swarm', npm_package_json: packageJson }, ROOT)).toBeUndefined();
    // A CLI spawned by `npm test` inherits INIT_CWD; its own working directory stands.
    expect(npmInvocationDirectory({ INIT_CWD: '/elsewhere', npm_lifecycle_event: 'test', npm_package_json: packageJson }, ROOT)).toBeUndefined();
    // The swarm script's environment leaked into a process started somewhere else.
    expect(npmInvocationDirectory({ INIT_CWD: '/elsewhere', npm_lifecycle_event: 'swarm', npm_package_json: packageJson }, '/tmp')).toBeUndefined();
    expect(npmInvocationDirectory({}, ROOT)).toBeUndefined();
  });

  test('under `bun run`, which sets no INIT_CWD, the directory it gives as npm_config_local_prefix', () => {
    const bun = { npm_config_user_agent: 'bun/1.4.5 npm/? node/v26.3.0 linux x64', npm_lifecycle_event: 'swarm', npm_package_json: packageJson };
    expect(npmInvocationDirectory({ ...bun, npm_config_local_prefix: join(ROOT, 'examples') }, ROOT)).toBe(join(ROOT, 'examples'));
    // npm's npm_config_local_prefix is the package's root, and npm sets INIT_CWD anyway.
    expect(npmInvocationDirectory({ ...bun, npm_config_user_agent: 'npm/11.0.0 node/v26.3.0 linux x64', npm_config_local_prefix: '/elsewhere' }, ROOT)).toBeUndefined();
  });

  test('a package named through a symlink (npm --prefix <link>) is the package the script runs in', () => {
    const { dir } = sandbox();
    const link = join(dir, 'checkout');
    symlinkSync(ROOT, link);
    const env = { INIT_CWD: join(ROOT, 'examples'), npm_lifecycle_event: 'swarm', npm_package_json: join(link, 'package.json') };
    expect(npmInvocationDirectory(env, ROOT)).toBe(join(ROOT, 'examples'));
  });
});

test.each([['npm'], ['bun']])('`%s run swarm -- validate hello.yaml` from examples/ finds the file there', async (runner) => {
  const { config } = sandbox();
  const env: Record<string, string | undefined> = { ...process.env, SWARM_CONFIG: config, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}` };
  // As a user's shell would have it: no npm script around the call.
  for (const key of Object.keys(env)) if (key.startsWith('npm_') || key === 'INIT_CWD') delete env[key];
  const child = Bun.spawn([runner, 'run', '--silent', 'swarm', '--', 'validate', 'hello.yaml'], {
    cwd: join(ROOT, 'examples'),
    env,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('hello.yaml');
}, TIMEOUT);
