// The dashboard in a real browser against a live dispatcher. Run with Node (not Bun):
//   node --test --test-concurrency=1 test/browser/*.browser.mjs   (npm test runs it)
// Screenshots land in test/artifacts/dashboard/ (git-ignored).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { ARTIFACTS, CHROMIUM, ROOT, SKIP, startDispatcher, TOKEN, waitForApi } from './harness.mjs';

const WAIT_TIMEOUT = 20_000;
let dispatcher;
let browser;
let page;

before(async () => {
  if (SKIP) return;
  dispatcher = await startDispatcher();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Chromium otherwise keeps trying to reach the internet, which this network refuses.
    args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(WAIT_TIMEOUT);
  // Log in once: the token becomes an HttpOnly cookie and leaves the URL.
  await page.goto(`${dispatcher.url}/?token=${TOKEN}`);
  assert.equal(new URL(page.url()).search, '');
});

after(async () => {
  await browser?.close();
  await dispatcher?.stop();
});

const taskBox = (name) => page.locator(`[data-testid=dag] [data-node="${name}"]`);

describe('a run on the live dispatcher', { skip: SKIP }, () => {
  let runId;
  let gate;

  before(async () => {
    gate = join(dispatcher.dir, 'gate');
    runId = await dispatcher.deploy(`name: browser-demo
symbols:
  - name: fetch
    type: query
    parameters: {operation: echo, message: hello}
  - name: gated
    type: action
    dependencies: [fetch]
    timeout: 60000
    parameters: {operation: module, module: ${join(ROOT, 'test/fixtures/modules/wait-for-file.ts')}, path: ${gate}}
  - name: publish
    type: action
    dependencies: [gated]
    parameters: {operation: noop}
  - name: audit
    type: action
    dependencies: [fetch]
    parameters: {operation: noop}
`);
    await waitForApi(dispatcher, `/api/runs/${runId}`, (r) => r.tasks.find((t) => t.name === 'gated')?.status === 'running', 'gated running');
  });

  test('the runs list shows the run, linking to its page', async () => {
    await page.goto(`${dispatcher.url}/`);
    const link = page.locator('[data-testid=runs-table] a', { hasText: runId });
    await link.click();
    await page.waitForURL(`**/runs/${runId}`);
  });

  test('the DAG appears with every symbol, each with its state in words', async () => {
    await page.goto(`${dispatcher.url}/runs/${runId}`);
    for (const name of ['fetch', 'gated', 'publish', 'audit']) await taskBox(name).waitFor();
    assert.equal(await page.locator('[data-testid=dag] [data-node]').count(), 4);
    await page.locator('[data-testid=dag] [data-node="gated"][data-state="running"]').waitFor();
    assert.match(await taskBox('gated').textContent(), /running/);
    assert.match(await taskBox('fetch').textContent(), /✓ succeeded/);
  });

  test("the task's statechart shows its current state", async () => {
    await taskBox('gated').click();
    await page.waitForURL(/task=gated/);
    const chart = page.locator('[data-testid=statechart][data-current="running"]');
    await chart.waitFor();
    assert.ok(await chart.locator('[data-node="running"].selected').count(), 'the running state is highlighted');
    assert.match(await page.locator('.path').textContent(), /pending → ready → assigned → running/);
    await page.screenshot({ path: join(ARTIFACTS, 'run-running.png'), fullPage: true });
  });

  test('a task turns from running to succeeded without a reload', async () => {
    await page.evaluate(() => (window.__sameDocument = true));
    writeFileSync(gate, 'go');
    await page.locator('[data-testid=dag] [data-node="gated"][data-state="succeeded"]').waitFor();
    await page.locator('[data-testid=dag] [data-node="publish"][data-state="succeeded"]').waitFor();
    await page.locator('[data-testid=run-state]', { hasText: 'succeeded' }).waitFor();
    await page.locator('[data-testid=statechart][data-current="succeeded"]').waitFor();
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
    await page.screenshot({ path: join(ARTIFACTS, 'run-succeeded.png'), fullPage: true });
  });

  test('the timeline shows each attempt as a bar, by task and by node', async () => {
    await page.goto(`${dispatcher.url}/runs/${runId}`);
    const bar = page.locator('[data-testid=timeline] rect[data-task="gated"][data-kind="run"][data-result="succeeded"]');
    await bar.waitFor();
    assert.equal(await page.locator('[data-testid=timeline] rect.tl-run').count(), 4);
    await page.locator('[data-testid=timeline] input[type=checkbox]').check();
    await page.locator('[data-testid=timeline] .tl-label', { hasText: 'local' }).waitFor();
  });

  test('moving the time cursor back shows an earlier state', async () => {
    const { rows } = (await dispatcher.api('GET', `/api/runs/${runId}/journal?symbol=gated&limit=1000`)).body;
    const running = rows.find((r) => r.to === 'running');
    assert.ok(running, 'the journal has the row where gated started running');
    await page.goto(`${dispatcher.url}/runs/${runId}?task=gated&at=${running.seq}`);
    await page.locator('[data-testid=dag] [data-node="gated"][data-state="running"]').waitFor();
    await page.locator('[data-testid=dag] [data-node="publish"][data-state="pending"]').waitFor();
    await page.locator('[data-testid=statechart][data-current="running"]').waitFor();
    assert.equal(await page.locator('[data-testid=cursor-seq]').textContent(), String(running.seq));
    // What the journal cannot rebuild is said beside the cursor, not guessed.
    assert.match(await page.locator('[data-testid=not-rebuilt]').textContent(), /Workers are not journaled/);
    // One step further back, with the slider's button: still a state of the past, not live.
    await page.locator('[data-testid=step-back]').click();
    await page.waitForURL(new RegExp(`at=${running.seq - 1}`));
    // And with the keys: ] forward, l back to live.
    await page.keyboard.press(']');
    await page.waitForURL(new RegExp(`at=${running.seq}(&|$)`));
    await page.keyboard.press('l');
    await page.locator('[data-testid=dag] [data-node="gated"][data-state="succeeded"]').waitFor();
    await page.locator('[data-testid=live]').waitFor();
    assert.equal(await page.locator('[data-testid=not-rebuilt]').count(), 0);
  });

  test('the keyboard opens a task from the DAG (Tab, Enter) and closes it (Escape)', async () => {
    await page.goto(`${dispatcher.url}/runs/${runId}`);
    await taskBox('audit').waitFor();
    await taskBox('audit').focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/task=audit/);
    await page.locator('[data-testid=task-drawer]').waitFor();
    await page.keyboard.press('Escape');
    await page.waitForURL((url) => !url.searchParams.has('task'));
    assert.equal(await page.locator('[data-testid=task-drawer]').count(), 0);
  });

  test('dark mode follows the system, states still in words', async () => {
    const dark = await browser.newPage({ viewport: { width: 1400, height: 1000 }, colorScheme: 'dark' });
    dark.setDefaultTimeout(WAIT_TIMEOUT);
    try {
      // A page of its own has no session cookie yet: it logs in as a browser does.
      await dark.goto(`${dispatcher.url}/runs/${runId}?token=${TOKEN}`);
      await dark.locator('[data-testid=dag] [data-node="fetch"][data-state="succeeded"]').waitFor();
      const background = await dark.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      assert.equal(background, 'rgb(20, 23, 27)');
      assert.match(await dark.locator('[data-testid=dag] [data-node="fetch"]').textContent(), /✓ succeeded/);
      await dark.screenshot({ path: join(ARTIFACTS, 'run-dark.png'), fullPage: true });
    } finally {
      await dark.close();
    }
  });
});

describe('controls', { skip: SKIP }, () => {
  test('cancel a held run from its page (with confirmation), then replay it: the replay opens', async () => {
    const gate = join(dispatcher.dir, 'never');
    const held = await dispatcher.deploy(`name: to-cancel
symbols:
  - name: hold
    type: action
    timeout: 60000
    retries: 0
    parameters: {operation: module, module: ${join(ROOT, 'test/fixtures/modules/wait-for-file.ts')}, path: ${gate}}
`);
    await waitForApi(dispatcher, `/api/runs/${held}`, (r) => r.tasks[0]?.status === 'running', 'hold running');
    await page.goto(`${dispatcher.url}/runs/${held}`);
    const dialogs = [];
    const onDialog = (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    };
    page.on('dialog', onDialog);
    try {
      await page.locator('[data-testid=controls] button', { hasText: 'cancel' }).click();
      await page.locator('[data-testid=run-state]', { hasText: 'cancelled' }).waitFor();
      assert.match(dialogs[0], new RegExp(`Cancel run ${held}`));
      await page.locator('[data-testid=controls] button', { hasText: /^replay$/ }).click();
      await page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(held));
      const replay = new URL(page.url()).pathname.split('/').pop();
      assert.equal((await dispatcher.api('GET', `/api/runs/${replay}`)).body.replayOf, held);
      await dispatcher.api('POST', `/api/runs/${replay}/cancel`);
    } finally {
      page.off('dialog', onDialog);
    }
  });

  test('a forged cross-site POST cannot act with the cookie: without the page header it is 401', async () => {
    const response = await page.evaluate(async (path) => (await fetch(path, { method: 'POST', credentials: 'same-origin', body: '{}' })).status, '/api/runs/none/cancel');
    assert.equal(response, 401);
  });
});

describe('a run too big to draw node by node', { skip: SKIP }, () => {
  test('is drawn grouped by depth, with counts by state; a group lists its tasks, which open their drawer', async () => {
    const fan = Array.from({ length: 600 }, (_, i) => `  - {name: leaf-${i}, type: action, dependencies: [root], parameters: {operation: noop}}`).join('\n');
    const big = await dispatcher.deploy(`name: big-fan\nsymbols:\n  - {name: root, type: action, parameters: {operation: noop}}\n${fan}\n`);
    await waitForApi(dispatcher, `/api/runs/${big}`, (r) => r.status === 'succeeded', 'the big run to end');
    await page.goto(`${dispatcher.url}/runs/${big}`);
    const leaves = page.locator('[data-testid=dag] [data-node="depth 1"][data-state="succeeded"]');
    await leaves.waitFor();
    assert.equal(await page.locator('[data-testid=dag] [data-node]').count(), 2);
    assert.match(await leaves.textContent(), /✓600/);
    await leaves.click();
    await page.locator('[data-testid=group-members] li').first().waitFor();
    assert.equal(await page.locator('[data-testid=group-members] li').count(), 200);
    await page.locator('[data-testid=group-members] a', { hasText: 'leaf-0' }).first().click();
    await page.waitForURL(/task=leaf-0/);
    // The timeline sends a page of task rows, with the count of all.
    assert.match(await page.locator('[data-testid=timeline] .pager').textContent(), /tasks 1–100 of 601/);
    await page.locator('[data-testid=timeline] .pager button', { hasText: 'next' }).click();
    await page.waitForURL(/tloff=100/);
    await page.locator('[data-testid=timeline] .pager', { hasText: 'tasks 101–200 of 601' }).waitFor();
  });
});

describe('the runs list', { skip: SKIP }, () => {
  test("a finished run's progress is whole (its skipped tasks are settled too); an attempt waited until it started", async () => {
    // Before, the column counted succeeded and failed tasks only: a failed run with a skipped
    // dependent showed 2/3 done for good, with a bar short of full.
    const runId = await dispatcher.deploy(`name: progress
symbols:
  - {name: ok, type: action, parameters: {operation: noop}}
  - {name: broken, type: action, retries: 0, parameters: {operation: fail, message: no}}
  - {name: after-broken, type: action, dependencies: [broken], parameters: {operation: noop}}
`);
    await waitForApi(dispatcher, `/api/runs/${runId}`, (r) => r.status === 'failed', 'the run ends');
    await page.goto(`${dispatcher.url}/`);
    const row = page.locator('[data-testid=runs-table] tr', { hasText: runId });
    await row.waitFor();
    assert.match(await row.locator('td').nth(3).textContent(), /3\/3/);
    assert.equal(await row.locator('progress').getAttribute('value'), '3');

    // The drawer's "waited" is the attempt's wait until it started, as `show --attempts` and
    // the timeline have it (it stopped at the assignment, a few ms short).
    const detail = await waitForApi(dispatcher, `/api/runs/${runId}/tasks/broken`, (d) => d.attempts?.length === 1, 'the attempt');
    const [attempt] = detail.attempts;
    await page.goto(`${dispatcher.url}/runs/${runId}?task=broken`);
    const cells = page.locator('[data-testid=attempts] tbody tr').first().locator('td');
    await cells.first().waitFor();
    assert.equal(await cells.nth(2).textContent(), `${attempt.startedAt - attempt.readyAt} ms`);
  });
});

describe('machines', { skip: SKIP }, () => {
  test('the four statecharts, each with every state of its machine', async () => {
    await page.goto(`${dispatcher.url}/machines`);
    for (const name of ['task', 'coordinator', 'node', 'dispatcher']) {
      const article = page.locator(`[data-testid=machine-${name}]`);
      await article.waitFor();
      const chart = (await dispatcher.api('GET', `/api/machines/${name}`)).body;
      assert.equal(await article.locator(`[data-testid=chart-${name}] [data-node]`).count(), chart.states.length);
      assert.equal(await article.locator('.transitions tbody tr').count(), chart.edges.length);
    }
    assert.equal((await dispatcher.api('GET', '/api/machines/nope')).status, 404);
  });
});

describe('hostile values', { skip: SKIP }, () => {
  test('names, parameters, outputs and errors holding markup run no script and show as text', async () => {
    const runId = await dispatcher.deploy(`name: "<script>window.__xss='name'</script>"
symbols:
  - name: evil-echo
    type: action
    parameters: {operation: echo, message: "<img src=x onerror=\\"window.__xss='output'\\"><script>window.__xss='output2'</script>"}
  - name: evil-fail
    type: action
    retries: 0
    parameters: {operation: fail, message: "<svg onload=\\"window.__xss='error'\\"></svg><script>window.__xss='error2'</script>"}
`);
    await waitForApi(dispatcher, `/api/runs/${runId}`, (r) => r.status === 'failed', 'the hostile run ends');
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(`${dispatcher.url}/`);
    await page.locator('[data-testid=runs-table] td', { hasText: "<script>window.__xss='name'</script>" }).waitFor();
    await page.goto(`${dispatcher.url}/runs/${runId}?task=evil-echo`);
    await page.locator('[data-testid=task-output]', { hasText: `onerror="window.__xss='output'"` }).waitFor();
    await page.goto(`${dispatcher.url}/runs/${runId}?task=evil-fail`);
    await page.locator('[data-testid=task-error]', { hasText: `<svg onload="window.__xss='error'">` }).waitFor();
    await page.locator('[data-testid=journal-table]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'hostile.png'), fullPage: true });
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(await page.locator('main script, main img, main iframe').count(), 0);
    assert.deepEqual(errors, []);
  });
});

describe('access', { skip: SKIP }, () => {
  /** A raw request: fetch() would not let a test choose the Host header. */
  const raw = (path, headers) =>
    new Promise((resolve, reject) => {
      const url = new URL(dispatcher.url);
      const req = request({ host: url.hostname, port: url.port, path, headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      req.end();
    });

  test('a foreign Host gets 403 on the page, its assets and the live socket, whatever the token', async () => {
    for (const path of ['/', '/assets/app.js', '/api/live', `/?token=${TOKEN}`, '/api/runs']) {
      const { status, body } = await raw(path, { host: 'evil.example', cookie: `swarm_token=${TOKEN}` });
      assert.equal(status, 403, path);
      assert.equal(JSON.parse(body).error.code, 'HOST_NOT_ALLOWED', path);
    }
  });

  test('without the cookie or the token, the page is 401', async () => {
    const { status, body } = await raw('/', { host: new URL(dispatcher.url).host });
    assert.equal(status, 401);
    assert.equal(JSON.parse(body).error.code, 'UNAUTHORIZED');
  });
});
