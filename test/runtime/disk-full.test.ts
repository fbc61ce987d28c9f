/**
 * A real full disk under a long-lived dispatcher: the state database lives on a small tmpfs
 * that the test fills while a run is going. The dispatcher then refuses runs, and says so on
 * /health (503 with the cause, no path), instead of answering "ok".
 *
 * Mounting needs root (CI runs as root); elsewhere the test says why it skips.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { parseManifest } from '../../src/manifest/index.ts';
import { call, serverConfig, startServer, stopServers } from '../server/helpers.ts';

const MODULES = resolve(import.meta.dir, '../fixtures/modules');
const root = mkdtempSync(join(tmpdir(), 'swarm-disk-full-'));
const disk = join(root, 'disk');
mkdirSync(disk);
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk]).status === 0;
if (!mounted && process.env.CI === 'true') throw new Error('CI must run as root: mounting a tmpfs for the disk-full test failed');

afterAll(async () => {
  await stopServers();
  if (mounted) spawnSync('umount', ['-l', disk]);
  rmSync(root, { recursive: true, force: true });
});

/** Writes zeros until the file system says it is full. */
function fillDisk(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let i = 0; i < 1_000_000; i++) writeSync(fd, chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

describe.skipIf(!mounted)('a dispatcher whose disk fills up mid-run', () => {
  test('refuses new runs and reports it on /health (503, the cause, no path)', async () => {
    const gate = join(root, 'gate');
    const server = startServer(
      serverConfig((c) => {
        // One folder down: the harness removes the database's folder, which must not be the mount.
        mkdirSync(join(disk, 'db'));
        c.dispatcher.state_db_path = join(disk, 'db', 'state.db');
      }),
    );
    expect((await call(server, 'GET', '/health')).status).toBe(200);
    const big = Array.from({ length: 16 }, (_, i) => ({
      name: `big-${i}`,
      type: 'transform',
      dependencies: ['gate'],
      parameters: { operation: 'module', module: join(MODULES, 'big-output.ts'), bytes: 512 * 1024 },
    }));
    const manifest = {
      name: 'fills-the-disk',
      symbols: [{ name: 'gate', type: 'action', parameters: { operation: 'module', module: join(MODULES, 'wait-for-file.ts'), path: gate } }, ...big],
    };
    const handle = server.deploy(parseManifest(stringify(manifest)));
    await until('the gate task to run', async () => ((handle.progress().live.running ?? 0) > 0 ? true : undefined));
    fillDisk(disk);
    writeFileSync(gate, '');
    const health = await until('/health to report the failure', async () => {
      const answer = await call(server, 'GET', '/health');
      return answer.status === 503 ? answer : undefined;
    });
    expect(health.body).toMatchObject({ status: 'unavailable', error: { code: 'STORE_UNAVAILABLE' } });
    expect(JSON.stringify(health.body)).not.toContain(disk);
    await expect(handle.result).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const deploy = await call(server, 'POST', '/api/runs', { body: { source: 'name: x\nsymbols: [{name: noop, type: action}]\n', format: 'yaml' } });
    expect(deploy.status).toBe(503);
    expect(deploy.body.error.code).toBe('STORE_UNAVAILABLE');
  });
});
