// The dashboard's budgets, measured on this machine with Node and Debian's chromium (not part
// of the tests, never a timed assertion): a run of N independent no-ops is deployed to a real
// dispatcher; then the time until its page shows the DAG, and GET …/state?at=SEQ at the
// middle of its journal (time travel: the journal read and re-simulated there).
//   node bench/dashboard.mjs [N=10000]   (the manifest is posted: N up to ~15k fits the default
//   [security] max_message_size of 1 MiB)
import { chromium } from 'playwright-core';
import { startDispatcher, TOKEN, waitForApi } from '../test/browser/harness.mjs';

const n = Number(process.argv[2] ?? 10_000);
const dispatcher = await startDispatcher();
try {
  const leaves = Array.from({ length: n - 1 }, (_, i) => `  - {name: t${i}, type: action, dependencies: [root], parameters: {operation: noop}}`).join('\n');
  const t0 = Date.now();
  const runId = await dispatcher.deploy(`name: bench-${n}\nsymbols:\n  - {name: root, type: action, parameters: {operation: noop}}\n${leaves}\n`);
  await waitForApi(dispatcher, `/api/runs/${runId}`, (r) => r.status === 'succeeded', 'the run to end');
  console.log(`run of ${n} tasks: ${Date.now() - t0} ms`);
  const state = (await dispatcher.api('GET', `/api/runs/${runId}/state`)).body;
  const mid = Math.round((state.firstSeq + state.lastSeq) / 2);
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = await dispatcher.api('GET', `/api/runs/${runId}/state?at=${mid}`);
    console.log(`time travel to seq ${mid} (status ${r.status}): ${(performance.now() - t).toFixed(0)} ms`);
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${dispatcher.url}/?token=${TOKEN}`);
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await page.goto(`${dispatcher.url}/runs/${runId}`);
    await page.locator('[data-testid=dag] [data-node][data-state="succeeded"]').first().waitFor({ timeout: 60_000 });
    console.log(`run page to DAG shown: ${(performance.now() - t).toFixed(0)} ms`);
  }
  await browser.close();
} finally {
  await dispatcher.stop();
}
