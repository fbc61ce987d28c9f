/**
 * Warm engines (mode = "persistent") against one process per attempt, on a real WordPress made
 * by scripts/wordpress-up.sh (a private MariaDB and site in a temp dir, removed at the end).
 * Not part of `bench`: it needs PHP, MariaDB and WordPress (`scripts/wordpress-up.sh install`).
 *
 *   npx bun bench/warm-engines.ts [--samples 40] [--process-samples 15] [--symbols 500] [--requests 10000]
 *
 * 1. The median cost of one php_engine symbol (option.set, post.create, a read-only query) on a
 *    warm engine and as a process, same run, same site, one at a time (no concurrency).
 * 2. A `symbols`-symbol site workflow through the real CLI (`swarm run`) with 2 slots: 2 warm
 *    engines against process mode.
 * 3. The RSS of one warm engine and its growth over `requests` requests (a mix of the three).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EnginePool, runBackendProcess, type BackendSpec } from '../actors/backends/index.ts';
import type { ExecutionRequest } from '../src/execution.ts';
import { intOption, parseArgs, toMB } from './lib.ts';

const ROOT = resolve(import.meta.dir, '..');
const { options } = parseArgs(process.argv.slice(2));
const SAMPLES = intOption(options, 'samples', 40);
const PROCESS_SAMPLES = intOption(options, 'process-samples', 15);
const SYMBOLS = intOption(options, 'symbols', 500);
const REQUESTS = intOption(options, 'requests', 10_000);

const dir = mkdtempSync(join(tmpdir(), 'swarm-wp-bench-'));
const up = spawnSync(join(ROOT, 'scripts/wordpress-up.sh'), ['up', dir, '--owner', String(process.pid)], { encoding: 'utf8' });
if (up.status !== 0) throw new Error(`scripts/wordpress-up.sh up failed:\n${up.stderr}`);
const facts = Object.fromEntries(up.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

try {
  const sandbox = join(dir, 'engine');
  mkdirSync(sandbox);
  for (const file of ['symbolic-engine.php', 'engine']) cpSync(join(ROOT, 'examples/backends/php', file), join(sandbox, file), { recursive: true });
  writeFileSync(join(sandbox, 'symbolic-engine.config.php'), `<?php\nreturn ['wp_root' => ${JSON.stringify(facts.WP_ROOT)}];\n`);
  const script = join(sandbox, 'symbolic-engine.php');
  const spec: BackendSpec = { target: 'php_engine', phpBinary: 'php', scriptPath: script, timeoutMs: 30_000, maxOutputBytes: 1 << 20 };
  const persistent = { maxRequests: 1_000_000, maxMemoryBytes: 64 * 1024 ** 3 };

  // ---- 1. cost per symbol ----
  let seq = 0;
  const ops: Record<string, () => Record<string, unknown>> = {
    'option.set': () => ({ operation: 'option.set', option: 'wp_praxis_bench', value: `v${seq++}` }),
    'post.create': () => ({ operation: 'post.create', fields: { post_type: 'page', post_title: `Bench ${seq}`, post_name: `bench-${seq++}`, post_status: 'publish' } }),
    query: () => ({ operation: 'query', sql: 'SELECT option_name, option_value FROM {prefix}options WHERE option_name = %s', args: ['blogname'] }),
  };
  const request = (parameters: Record<string, unknown>): ExecutionRequest => ({
    runId: 'bench', task: 'bench', attempt: 1, kind: 'run',
    symbol: { name: 'bench', type: 'action', context: 'wordpress', dispatch: 'php_engine', parameters, timeout: 30_000 },
    dependencies: {}, baseDir: null,
  });
  const signal = new AbortController().signal;
  const warm = new EnginePool({ spec: { ...spec, persistent }, size: 1 });
  await warm.run(request(ops.query()), signal); // loads WordPress once
  console.log(`\n1. one php_engine symbol, median of ${SAMPLES} warm / ${PROCESS_SAMPLES} process runs (ms)`);
  console.log('operation      warm    process   speed-up');
  for (const [name, params] of Object.entries(ops)) {
    const warmMs = await timed(SAMPLES, async () => must(await warm.run(request(params()), signal)));
    const processMs = await timed(PROCESS_SAMPLES, async () => must(await runBackendProcess(spec, request(params()), signal)));
    console.log(`${name.padEnd(12)} ${warmMs.toFixed(2).padStart(6)} ${processMs.toFixed(1).padStart(10)} ${(processMs / warmMs).toFixed(0).padStart(9)}×`);
  }

  // ---- 3. memory of one warm engine over many requests ----
  console.log(`\n3. RSS of one warm engine over ${REQUESTS} requests (option.set, post.create, query in turn)`);
  const pid = enginePid(script);
  const rssAt: string[] = [`start ${toMB(rss(pid))} MB`];
  const names = Object.keys(ops);
  const started = performance.now();
  for (let i = 1; i <= REQUESTS; i++) {
    must(await warm.run(request(ops[names[i % 3]]()), signal));
    if (i % Math.max(1, Math.floor(REQUESTS / 5)) === 0) rssAt.push(`${i}: ${toMB(rss(pid))} MB`);
  }
  const perRequest = (performance.now() - started) / REQUESTS;
  console.log(`${rssAt.join(', ')} (pid ${pid}, ${perRequest.toFixed(2)} ms a request, still the same engine: ${enginePid(script) === pid})`);
  await warm.close();

  // ---- 2. a site workflow ----
  console.log(`\n2. a ${SYMBOLS}-symbol site workflow through \`swarm run\`, 2 slots (wall time, s)`);
  const manifest = join(sandbox, 'bench-site.yaml');
  writeFileSync(manifest, siteManifest(SYMBOLS));
  const times: Record<string, number> = {};
  for (const mode of ['persistent', 'process'] as const) {
    const config = join(sandbox, `config-${mode}.toml`);
    writeFileSync(config, [
      '[logging]', 'file = ""', 'level = "warn"',
      '[dispatcher]', 'local_workers = 1', 'tasks_per_thread = 2', `state_db_path = "${join(sandbox, `state-${mode}.db`)}"`,
      '[backends.php_engine]', 'enabled = true', `script_path = "${script}"`, `mode = "${mode}"`, 'pool_size = 2', '',
    ].join('\n'));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['src/cli/bin.ts', 'run', manifest, config, '--json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20 });
    times[mode] = (performance.now() - t0) / 1000;
    const status = (() => { try { return JSON.parse(r.stdout).status; } catch { return `exit ${r.status}: ${r.stderr.slice(-300)}`; } })();
    console.log(`${mode.padEnd(11)} ${times[mode].toFixed(1).padStart(6)} s  (${status}; ${((times[mode] * 1000) / SYMBOLS).toFixed(1)} ms a symbol)`);
  }
  console.log(`speed-up: ${(times.process / times.persistent).toFixed(1)}×`);
} finally {
  spawnSync(join(ROOT, 'scripts/wordpress-up.sh'), ['down', dir], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
}

function must(outcome: { ok: boolean; error?: { message: string } }): void {
  if (!outcome.ok) throw new Error(`a bench symbol failed: ${outcome.error?.message}`);
}

async function timed(samples: number, fn: () => Promise<void>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

function rss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** The one warm engine of this bench, by its command line. */
function enginePid(script: string): number {
  const r = spawnSync('pgrep', ['-f', `${script} --serve`], { encoding: 'utf8' });
  return Number(r.stdout.trim().split('\n')[0]);
}

/** Ten chains of settings, pages and queries: symbol i waits for i-10. */
function siteManifest(count: number): string {
  const lines = ['name: bench-site', 'symbols:'];
  for (let i = 0; i < count; i++) {
    const kind = i % 3;
    const parameters =
      kind === 0
        ? `{operation: option.set, option: wp_praxis_bench_${i % 50}, value: "v${i}"}`
        : kind === 1
          ? `{operation: post.create, if_exists: skip, fields: {post_type: page, post_name: bench-page-${i}, post_title: "Page ${i}", post_status: publish}}`
          : `{operation: query, sql: "SELECT COUNT(*) AS n FROM {prefix}posts WHERE post_type = %s", args: [page]}`;
    const deps = i >= 10 ? `, dependencies: [s${i - 10}]` : '';
    lines.push(`  - {name: s${i}, type: action, context: wordpress, dispatch: php_engine, parameters: ${parameters}${deps}}`);
  }
  return lines.join('\n') + '\n';
}
