import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { firstLine } from './dispatcher-process.ts';
import { killChildren, removeTempDirs, sandbox, spawnCli, swarm, writeManifest } from './helpers.ts';

/** `swarm dashboard`: the dashboard over a database with no dispatcher, read-only, on loopback. */

setDefaultTimeout(30_000);
const children: ReturnType<typeof spawnCli>[] = [];
afterEach(async () => {
  await killChildren(children);
  removeTempDirs();
});

/** `swarm dashboard` over a database that holds one finished run of `manifest`. */
async function dashboardOfOneRun(): Promise<{ url: string; config: string; manifest: string }> {
  const { dir, config, db } = sandbox();
  const manifest = writeManifest(dir, 'flow.yaml', 'name: offline\nsymbols:\n  - name: a\n    type: action\n    parameters: {operation: noop}\n');
  expect((await swarm(['run', manifest, '--db', db, '--quiet'], config)).code).toBe(0);
  const child = spawnCli(['dashboard', '--db', db, '--port', '0', '--json'], config);
  children.push(child);
  const { url } = JSON.parse(await firstLine(child, 'dashboard')) as { url: string };
  return { url, config, manifest };
}

describe('swarm dashboard', () => {
  test('serves the pages and the read routes of a database on 127.0.0.1; refuses writes and foreign hosts', async () => {
    const { url } = await dashboardOfOneRun();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(url + '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const runs = (await (await fetch(url + '/api/runs')).json()) as { runs: { name: string; runId: string }[] };
    expect(runs.runs.map((r) => r.name)).toEqual(['offline']);
    const state = (await (await fetch(`${url}/api/runs/${runs.runs[0].runId}/state`)).json()) as { runState: string };
    expect(state.runState).toBe('succeeded');
    const post = await fetch(url + '/api/runs', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect([post.status, ((await post.json()) as any).error.code]).toEqual([405, 'METHOD_NOT_ALLOWED']);
    const foreign = await fetch(url + '/', { headers: { host: 'evil.example' } });
    expect([foreign.status, ((await foreign.json()) as any).error.code]).toEqual([403, 'HOST_NOT_ALLOWED']);
  });

  // The dashboard answers as the swarm's own server does (its header), so the CLI knows it; a
  // write sent there is a wrong --url, not a failed workflow (exit 1 said one had failed).
  test('deploy, cancel, replay and rollback with --url at it are refused as bad usage (exit 2), saying it reads only', async () => {
    const { url, config, manifest } = await dashboardOfOneRun();
    const runId = ((await (await fetch(url + '/api/runs')).json()) as { runs: { runId: string }[] }).runs[0].runId;
    for (const args of [['deploy', manifest], ['cancel', runId], ['replay', runId], ['rollback', runId]]) {
      const result = await swarm([...args, '--url', url], config);
      expect([args[0], result.code]).toEqual([args[0], 2]);
      expect(result.stderr).toContain('reads only');
    }
  });

  test('a missing database is exit 3, saying so', async () => {
    const { dir, config } = sandbox();
    const result = await swarm(['dashboard', '--db', `${dir}/none.db`, '--port', '0'], config);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no such file');
  });
});
