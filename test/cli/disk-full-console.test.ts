/**
 * `swarm run` on a disk that fills up: the console says what happened and how to go on, in the
 * swarm's words, without the SQLite driver's stack (a full disk is no bug; the stack, with the
 * swarm's source paths, stays in the log file). The database lives on a small tmpfs, which
 * needs root (CI runs as root); elsewhere the test says why it skips.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TIMEOUT, removeTempDirs, sandbox, swarm, writeManifest } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'swarm-cli-disk-full-'));
const disk = join(root, 'disk');
mkdirSync(disk);
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1500k', 'tmpfs', disk]).status === 0;
if (!mounted && process.env.CI === 'true') throw new Error('CI must run as root: mounting a tmpfs for the disk-full test failed');

afterAll(() => {
  removeTempDirs();
  if (mounted) spawnSync('umount', ['-l', disk]);
  rmSync(root, { recursive: true, force: true });
});

describe.skipIf(!mounted)('swarm run when the disk fills up', () => {
  test("exit 3 with the swarm's own message and how to resume, no driver stack", async () => {
    const { dir, config } = sandbox();
    writeFileSync(join(dir, 'big.ts'), "export default function ({ symbol }: { symbol: string }) { return 'y'.repeat(50_000) + symbol; }\n");
    const symbols = Array.from({ length: 200 }, (_, i) => `  - {name: s${i}, type: action, parameters: {operation: module, module: ./big.ts}${i ? `, dependencies: [s${i - 1}]` : ''}}`);
    const manifest = writeManifest(dir, 'fill.yaml', ['name: fill', 'symbols:', ...symbols, ''].join('\n'));
    const result = await swarm(['run', manifest, '--db', join(disk, 'state.db')], config);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('refused a write: database or disk is full');
    expect(result.stderr).toContain('swarm run --resume');
    expect(result.stderr).toContain('(STORE_UNAVAILABLE)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain('bun:sqlite');
    expect(result.stderr).not.toContain('.ts:');
  }, 2 * TIMEOUT);
});
