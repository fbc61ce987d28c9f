// A run whose `swarm run` was killed, as `swarm dashboard` (read-only, over the database) shows
// it: the run marked interrupted (on pages open as it died, and on pages opened after), and the
// node it left busy marked gone. Run with Node (not
// Bun): `node --test --test-concurrency=1 test/browser/*.browser.mjs` (npm test runs it).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, ROOT, SKIP, within } from './harness.mjs';

const BUN = join(ROOT, 'node_modules', '.bin', 'bun');
const CLI = join(ROOT, 'src', 'cli', 'bin.ts');

describe('a killed run, in the read-only dashboard', { skip: SKIP }, () => {
  let dir;
  let dashboard;
  let run;
  let browser;
  let page;
  let listPage;
  let url;
  let runId;

  /** The command that takes the run up, with the dashboard's config and --db. */
  const resumeCommand = () => `swarm run --resume ${runId} ${join(dir, 'swarm.toml')} --db ${join(dir, 'state.db')}`;

  /** `swarm <args> --json` against the test's database, parsed. */
  const swarmJson = (...args) => {
    const result = spawnSync(BUN, [CLI, ...args, join(dir, 'swarm.toml'), '--db', join(dir, 'state.db'), '--json'], { encoding: 'utf8' });
    return result.stdout ? JSON.parse(result.stdout) : {};
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'swarm-killed-run-browser-'));
    writeFileSync(join(dir, 'swarm.toml'), '[logging]\nfile = ""\n');
    writeFileSync(
      join(dir, 'held.yaml'),
      `name: held\nsymbols:\n  - {name: first, type: action, parameters: {operation: noop}}\n  - {name: hold, type: action, dependencies: [first], parameters: {operation: module, module: ${join(ROOT, 'test/fixtures/modules/wait-for-file.ts')}, path: ${join(dir, 'gate')}}}\n`,
    );
    run = spawn(BUN, [CLI, 'run', join(dir, 'held.yaml'), join(dir, 'swarm.toml'), '--db', join(dir, 'state.db'), '--quiet'], { stdio: 'ignore' });
    runId = await within(
      (async () => {
        for (;;) {
          const id = swarmJson('runs').runs?.[0]?.runId;
          if (id && swarmJson('show', id).tasks?.find((t) => t.name === 'hold')?.status === 'running') return id;
          await new Promise((r) => setTimeout(r, 100));
        }
      })(),
      30_000,
      'the run to hold',
    );
    dashboard = spawn(BUN, [CLI, 'dashboard', join(dir, 'swarm.toml'), '--db', join(dir, 'state.db'), '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await within(
      new Promise((resolve, reject) => {
        let out = '';
        dashboard.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))).url);
        });
        dashboard.on('exit', (code) => reject(new Error(`swarm dashboard exited (${code}) before listening`)));
      }),
      30_000,
      'swarm dashboard --json line',
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(20_000);
    listPage = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    listPage.setDefaultTimeout(20_000);

    // Both pages open while the run is live; then its process is killed under them.
    await page.goto(`${url}/runs/${runId}`);
    await page.locator('[data-testid=run-state]').waitFor();
    await listPage.goto(`${url}/`);
    await listPage.locator('[data-testid=runs-table]', { hasText: runId }).waitFor();
    run.kill('SIGKILL');
    await new Promise((resolve) => (run.exitCode !== null ? resolve() : run.once('exit', resolve)));
  });

  after(async () => {
    await browser?.close();
    if (run && run.exitCode === null) run.kill('SIGKILL');
    if (dashboard && dashboard.exitCode === null) {
      dashboard.kill('SIGKILL');
      await new Promise((resolve) => dashboard.once('exit', resolve));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Nothing is written when a process dies: the pages learn it from the live socket, whose
  // server looks at the runs' leases (interruption-watch.ts), not from a reload.
  test('the run page and the runs list, open when the process was killed, mark the run interrupted without a reload', async () => {
    await page.locator('[data-testid=interrupted]').waitFor();
    assert.match(await page.locator('main, body').first().innerText(), /Its process is gone, so nothing moves it: take it up with/);
    // With the config and --db the dashboard was started with, as the CLI's hints have them.
    await page.locator('[data-testid=resume-command]', { hasText: resumeCommand() }).waitFor();
    // Its timeline is read again and stops growing with the clock: nothing moves the run.
    await page.locator('[data-testid=timeline][data-growing=no]').waitFor();
    const mark = listPage.locator('[data-testid=runs-table] tr', { hasText: runId }).locator('[data-testid=interrupted]');
    await mark.waitFor();
    for (const deadline = Date.now() + 10_000; (await mark.getAttribute('title')) !== `Its process is gone; take it up with ${resumeCommand()}`; ) {
      assert.ok(Date.now() < deadline, `the runs list's note: ${await mark.getAttribute('title')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  test('the Nodes page marks the node the killed process left busy as gone', async () => {
    await page.goto(`${url}/nodes`);
    const row = page.locator('[data-testid=nodes-table] tr', { hasText: 'local' });
    await row.locator('[data-testid=gone]').waitFor();
    assert.match(await row.innerText(), /busy/);
  });

  test('the run page says the run is interrupted and how to take it up', async () => {
    await page.goto(`${url}/runs/${runId}`);
    await page.locator('[data-testid=interrupted]').waitFor();
    assert.equal(await page.locator('[data-testid=resume-command]').textContent(), resumeCommand());
  });
});
