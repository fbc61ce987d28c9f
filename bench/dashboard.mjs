// The dashboard's budgets, measured on this machine with Node and Debian's chromium (not part
// of the tests, never a timed assertion). Runs of N independent no-ops are deployed to a real
// dispatcher (started with a max_message_size big enough for their manifests), then:
//   1. its cost to the dispatcher: the same run with no page open, then with its run page open
//      in the browser from the deploy to the end (live DAG, timeline, journal), alternately;
//      durations are the run's own createdAt..finishedAt;
//   2. each route the run page reads, timed on the finished run;
//   3. time travel: GET …/state?at=SEQ at the middle and near the end of its journal (the
//      journal read and re-simulated there);
//   4. the run page from navigation to the DAG drawn with its task states.
//   5. the page code shipped, gzipped.
//   node bench/dashboard.mjs [N=10000] [--pairs K=2]
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM, startDispatcher, TOKEN } from '../test/browser/harness.mjs';

// A signal ends the bench through process.exit, so the harness's exit hook stops the dispatcher.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));
const n = Number(process.argv[2] ?? 10_000);
const pairsAt = process.argv.indexOf('--pairs');
const pairs = pairsAt > 0 ? Number(process.argv[pairsAt + 1]) : 2;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

const dispatcher = await startDispatcher({ config: '[security]\nmax_message_size = 67108864\n' });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
try {
  const leaves = Array.from({ length: n - 1 }, (_, i) => `  - {name: t${i}, type: action, dependencies: [root], parameters: {operation: noop}}`).join('\n');
  const source = (k) => `name: bench-${n}-${k}\nsymbols:\n  - {name: root, type: action, parameters: {operation: noop}}\n${leaves}\n`;
  // Page code shipped, gzipped (budget ≤ 100 KB): the shell's scripts and styles.
  const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
  const shell = await (await fetch(`${dispatcher.url}/`, auth)).text();
  let gzipped = 0;
  for (const [, path] of shell.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
    gzipped += gzipSync(Buffer.from(await (await fetch(dispatcher.url + path, auth)).arrayBuffer())).byteLength;
  }
  console.log(`page code shipped: ${(gzipped / 1024).toFixed(1)} KB gzipped (budget ≤ 100 KB)`);
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${dispatcher.url}/?token=${TOKEN}`);

  /** CPU time (user + system, ms) the dispatcher process has used so far, from /proc. */
  const cpuMs = () => {
    const fields = readFileSync(`/proc/${dispatcher.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  };

  /** CPU time (ms) of every chromium process: what the open page costs the machine. */
  const browserCpuMs = () => {
    let total = 0;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('chromium')) continue;
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      } catch {
        // gone meanwhile
      }
    }
    return total;
  };

  /** Deploys a run and waits (bounded) for it to end; with `watch`, its page is open meanwhile. */
  async function timedRun(k, watch) {
    const cpu0 = cpuMs();
    const browser0 = browserCpuMs();
    const runId = await dispatcher.deploy(source(k));
    if (watch) await page.goto(`${dispatcher.url}/runs/${runId}`);
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      const { body } = await dispatcher.api("GET", `/api/runs/${runId}/summary`);
      if (body.finishedAt) return { runId, duration: body.finishedAt - body.createdAt, status: body.status, cpu: cpuMs() - cpu0, browserCpu: browserCpuMs() - browser0 };
      if (Date.now() > deadline) throw new Error(`run ${runId} did not end within 30 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const bare = [];
  const watched = [];
  const bareCpu = [];
  const watchedCpu = [];
  let runId;
  for (let i = 0; i < pairs; i++) {
    await page.goto(`${dispatcher.url}/`);
    const a = await timedRun(`bare-${i}`, false);
    bare.push(a.duration);
    bareCpu.push(a.cpu);
    const b = await timedRun(`watched-${i}`, true);
    watched.push(b.duration);
    watchedCpu.push(b.cpu);
    runId = a.runId;
    console.log(`pair ${i + 1}: no page ${ms(a.duration)} (${a.status}; dispatcher CPU ${ms(a.cpu)}), run page open ${ms(b.duration)} (${b.status}; dispatcher CPU ${ms(b.cpu)}, browser CPU ${ms(b.browserCpu)})`);
  }
  // Paired: each watched run against the bare run just before it, so a slow spell of the
  // machine (other processes) weighs on both sides of a pair rather than on one median.
  const ratios = watched.map((w, i) => (w / bare[i] - 1) * 100);
  const cpuRatios = watchedCpu.map((w, i) => (w / bareCpu[i] - 1) * 100);
  const pct = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
  console.log(
    `cost of an open run page on a ${n}-task run: duration ${pct(median(ratios))} (median of pairs: ${ratios.map(pct).join(', ')}), ` +
      `dispatcher CPU ${pct(median(cpuRatios))} (${cpuRatios.map(pct).join(', ')}); budget ≤ 10%`,
  );

  await page.goto(`${dispatcher.url}/`);
  const state = (await dispatcher.api('GET', `/api/runs/${runId}/state`)).body;
  for (const path of ['', '/graph', '/state', '/timeline', '/journal']) {
    const times = [];
    let bytes = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const response = await fetch(`${dispatcher.url}/api/runs/${runId}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      bytes = (await response.arrayBuffer()).byteLength;
      times.push(performance.now() - t);
    }
    console.log(`GET /api/runs/:id${path}: median ${ms(median(times))} (${(bytes / 1024).toFixed(0)} KiB)`);
  }
  for (const [label, seq] of [
    ['middle', Math.round((state.firstSeq + state.lastSeq) / 2)],
    ['near the end', state.lastSeq - 5],
  ]) {
    const times = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const r = await dispatcher.api('GET', `/api/runs/${runId}/state?at=${seq}`);
      if (r.status !== 200) throw new Error(`time travel: ${r.status} ${JSON.stringify(r.body)}`);
      times.push(performance.now() - t);
    }
    // The first request reads the journal; the next ones find it kept (journal-cache.ts).
    console.log(`time travel to the ${label} (seq ${seq}): ${times.map(ms).join(', ')} (budget ≤ 1 s)`);
  }
  const shown = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await page.goto(`${dispatcher.url}/runs/${runId}`);
    await page.locator('[data-testid=dag] [data-node][data-state="succeeded"]').first().waitFor({ timeout: 120_000 });
    shown.push(performance.now() - t);
  }
  console.log(`run page to DAG shown: median ${ms(median(shown))} (${shown.map(ms).join(', ')}; budget ≤ 1 s)`);
} finally {
  await browser.close();
  await dispatcher.stop();
}
