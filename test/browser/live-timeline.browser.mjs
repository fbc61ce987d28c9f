// The timeline of a live run follows the clock: a running attempt's bar (and the axis) grows
// while no journal row arrives, without the page reading the timeline again for it. It stood
// still between reads before (drawn to the server's clock at the last read). Run with Node (not
// Bun): `node --test --test-concurrency=1 test/browser/*.browser.mjs` (npm test runs it).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { CHROMIUM, ROOT, SKIP, startDispatcher, TOKEN, waitForApi } from './harness.mjs';

describe('a live run on its timeline', { skip: SKIP }, () => {
  let dispatcher;
  let browser;
  let page;
  let runId;
  let gate;

  before(async () => {
    dispatcher = await startDispatcher();
    gate = join(dispatcher.dir, 'gate');
    runId = await dispatcher.deploy(`name: live-timeline
symbols:
  - name: held
    type: action
    timeout: 60000
    parameters: {operation: module, module: ${join(ROOT, 'test/fixtures/modules/wait-for-file.ts')}, path: ${gate}}
`);
    await waitForApi(dispatcher, `/api/runs/${runId}`, (r) => r.tasks.find((t) => t.name === 'held')?.status === 'running', 'held running');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(20_000);
    await page.goto(`${dispatcher.url}/?token=${TOKEN}`);
  });

  after(async () => {
    if (gate) writeFileSync(gate, 'go');
    await browser?.close();
    await dispatcher?.stop();
  });

  test('the running bar and the axis grow with the clock, with no new read of the timeline', async () => {
    let reads = 0;
    page.on('request', (r) => void (new URL(r.url()).pathname.endsWith('/timeline') && reads++));
    await page.goto(`${dispatcher.url}/runs/${runId}`);
    const bar = page.locator('[data-testid=timeline] rect[data-task="held"][data-result="running"]');
    await bar.waitFor();
    const span = page.locator('[data-testid=timeline] h2 small');
    const first = { span: await span.textContent(), width: Number(await bar.getAttribute('width')), reads };
    // Nothing is written to the journal meanwhile: only the clock moves.
    let later;
    for (const deadline = Date.now() + 5_000; ; ) {
      later = { span: await span.textContent(), width: Number(await bar.getAttribute('width')), reads };
      if (later.span !== first.span) break;
      assert.ok(Date.now() < deadline, `the timeline stood still at ${first.span} for 5 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(parseFloat(later.span) > parseFloat(first.span), `${later.span} after ${first.span}`);
    assert.ok(later.width >= first.width, `the running bar grows (${first.width} → ${later.width})`);
    assert.equal(later.reads, first.reads, 'the timeline was not read again');
  });
});
