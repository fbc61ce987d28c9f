import { afterEach, describe, expect, test } from 'bun:test';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describePathError } from '../../src/path-problems.ts';
import { sandbox, swarm, TIMEOUT, removeTempDirs } from './helpers.ts';

/**
 * Paths given as a manifest or a config that cannot be read for a reason of the file system:
 * each says what and where in words and what to do, never the raw `ELOOP: …, open '…'`, and a
 * hint never leads to a dead end (found from outside: a dangling link as the config said "no
 * such file; create it with swarm config X", and `swarm config X` said "X already exists").
 */

afterEach(removeTempDirs);

function paths(dir: string) {
  symlinkSync('nowhere.toml', join(dir, 'dangling.toml'));
  symlinkSync('loop-b.toml', join(dir, 'loop-a.toml'));
  symlinkSync('loop-a.toml', join(dir, 'loop-b.toml'));
  symlinkSync('nowhere.yaml', join(dir, 'dangling.yaml'));
  symlinkSync('loop-b.yaml', join(dir, 'loop-a.yaml'));
  symlinkSync('loop-a.yaml', join(dir, 'loop-b.yaml'));
  writeFileSync(join(dir, 'plain'), 'a file\n');
  return {
    danglingConfig: join(dir, 'dangling.toml'),
    loopConfig: join(dir, 'loop-a.toml'),
    danglingManifest: join(dir, 'dangling.yaml'),
    loopManifest: join(dir, 'loop-a.yaml'),
    underAFile: join(dir, 'plain', 'x.yaml'),
    tooLong: join(dir, `${'a'.repeat(300)}.yaml`),
  };
}

/** No raw errno text (`ELOOP: too many symbolic links encountered, open '…'`) in `text`. */
function expectWords(text: string): void {
  expect(text).not.toMatch(/E(LOOP|NOENT|NOTDIR|NAMETOOLONG|ACCES|ISDIR)\b/);
}

describe('a config path', () => {
  test('a dangling symbolic link names its target, and the hint it gives works', async () => {
    const { dir } = sandbox();
    const p = paths(dir);
    const runs = await swarm(['runs', p.danglingConfig]);
    expect(runs.code).toBe(2);
    expect(runs.stderr).toContain(`${p.danglingConfig}: (file): it is a broken symbolic link to nowhere.toml (${join(dir, 'nowhere.toml')} does not exist)`);
    expect(runs.stderr).toContain(`\`swarm config ${join(dir, 'nowhere.toml')}\``);
    expect(runs.stderr).not.toContain(`swarm config ${p.danglingConfig}`);

    // The link itself, given to `swarm config`: said as it is, not "already exists".
    const seedLink = await swarm(['config', p.danglingConfig]);
    expect(seedLink.code).toBe(2);
    expect(seedLink.stderr).toContain('is a broken symbolic link to nowhere.toml');
    expect(seedLink.stderr).not.toContain('already exists');

    // The hint: write the config where the link points, and the link works.
    const seed = await swarm(['config', join(dir, 'nowhere.toml')]);
    expect(seed.code).toBe(0);
    const after = await swarm(['runs', p.danglingConfig]);
    expect(after.stderr).not.toContain('(file)');
    expect(after.code).not.toBe(2);
  }, TIMEOUT);

  test('a loop of symbolic links, as the config and as SWARM_CONFIG and as `swarm config` output', async () => {
    const { dir } = sandbox();
    const p = paths(dir);
    const runs = await swarm(['runs', p.loopConfig]);
    expect(runs.code).toBe(2);
    expect(runs.stderr).toContain(`${p.loopConfig}: (file): it is a symbolic link that never reaches a file (the links loop)`);
    expect(runs.stderr).not.toContain('swarm config');
    expectWords(runs.stderr);

    const env = await swarm(['runs'], p.loopConfig);
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('SWARM_CONFIG: names a file that cannot be read: it is a symbolic link that never reaches a file (the links loop); fix the path, or unset SWARM_CONFIG');

    for (const force of [[], ['--force']]) {
      const seed = await swarm(['config', p.loopConfig, ...force]);
      expect(seed.code).toBe(2);
      expect(seed.stderr).toContain('is a symbolic link that never reaches a file (the links loop)');
      expect(seed.stderr).not.toContain('already exists');
      expectWords(seed.stderr);
    }
  }, TIMEOUT);

  test('under a file, or a name too long: said in words, with no `swarm config` hint that cannot work', async () => {
    const { dir } = sandbox();
    const p = paths(dir);
    const under = await swarm(['runs', p.underAFile]);
    expect(under.code).toBe(2);
    expect(under.stderr).toContain(`${join(dir, 'plain')} is a file, not a directory`);
    expect(under.stderr).not.toContain('swarm config');
    expectWords(under.stderr);
    const long = await swarm(['runs', p.tooLong]);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('is too long for the file system');
    expectWords(long.stderr);

    const seedUnder = await swarm(['config', p.underAFile]);
    expect(seedUnder.code).toBe(2);
    expect(seedUnder.stderr).toContain(`${join(dir, 'plain')} is a file, not a directory`);
    expectWords(seedUnder.stderr);
    const seedLong = await swarm(['config', p.tooLong]);
    expect(seedLong.code).toBe(2);
    expect(seedLong.stderr).toContain('is too long for the file system');
    expectWords(seedLong.stderr);
  }, TIMEOUT);

  test('a broken ./swarm-config.toml is said, not passed over for the defaults', async () => {
    const { dir } = sandbox();
    mkdirSync(join(dir, 'here'));
    symlinkSync('gone.toml', join(dir, 'here', 'swarm-config.toml'));
    const child = Bun.spawnSync([process.execPath, join(import.meta.dir, '../../src/cli/bin.ts'), 'runs'], {
      cwd: join(dir, 'here'),
      env: { ...process.env, SWARM_CONFIG: '' },
    });
    expect(child.exitCode).toBe(2);
    expect(child.stderr.toString()).toContain('swarm-config.toml: (file): it is a broken symbolic link to gone.toml');
    expect(existsSync(join(dir, 'here', 'swarm-state.db'))).toBe(false);
  }, TIMEOUT);
});

describe('a manifest path', () => {
  test('a loop, a dangling link, a path under a file, a name too long', async () => {
    const { dir, config } = sandbox();
    const p = paths(dir);
    const cases: [string, string][] = [
      [p.loopManifest, 'it is a symbolic link that never reaches a file (the links loop); fix the links, or give another path'],
      [p.danglingManifest, `it is a broken symbolic link to nowhere.yaml (${join(dir, 'nowhere.yaml')} does not exist); fix the link, or give another path`],
      [p.underAFile, `${join(dir, 'plain')} is a file, not a directory, so nothing can be under it; check the path`],
      [p.tooLong, 'the path, or a name in it, is too long for the file system; check the path'],
    ];
    for (const [path, words] of cases) {
      for (const command of ['validate', 'run']) {
        const result = await swarm([command, path], config);
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(`cannot read the manifest file: ${words}`);
        expectWords(result.stderr);
      }
    }
  }, TIMEOUT);
});

describe('describePathError', () => {
  // Root reads everything, so permission is checked on the error as the system gives it.
  test('permission, a directory and anything else', () => {
    const error = (code: string) => Object.assign(new Error(`${code}: raw, open '/x'`), { code });
    expect(describePathError(error('EACCES'), '/x/y')).toBe('permission denied: this user may not read it, or may not enter one of the directories on its path');
    expect(describePathError(error('EPERM'), '/x/y')).toBe('permission denied: this user may not read it, or may not enter one of the directories on its path');
    expect(describePathError(error('EISDIR'), '/x/y')).toBe('it is a directory, not a file');
    expect(describePathError(error('EIO'), '/x/y')).toBe("EIO: raw, open '/x'");
    expect(describePathError(error('ENOENT'), '/no/such/dir/y')).toBe('no such file');
  });
});
