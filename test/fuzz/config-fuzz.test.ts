import { afterAll, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Failures, finish, showInput } from './checks.ts';
import { configCase } from './gen-config.ts';
import { cliProblems, pool, runCasesInChild, runCli, type CaseResult } from './harness.ts';
import { caseCount, caseIndexes, fuzzSeed, testTimeout, hash32, Rng } from './prng.ts';

/**
 * Config fuzzer: a few hundred swarm-config.toml documents (valid ones mutated, and adversarial
 * ones) through loadConfig in a child process (killed if a case hangs), and a sample through the
 * real CLI: `swarm run <a one-noop manifest> --db :memory: --json` with the case as SWARM_CONFIG
 * (it reads every section and opens the log file), or `swarm validate` of a manifest that needs
 * a backend (which reads the config too) when the case asks for more threads than is sane.
 *
 * Per case: only a ConfigError may come out, with no stack or source path in it; an accepted
 * config is JSON, its durations fit a timer and local_workers is bounded; the CLI exits within
 * its bound with 0, 1 (the workflow failed: local_workers = 0) or 2, prints one JSON document,
 * no stack trace, and stays within its memory bound.
 */

const FUZZER = 'config-fuzz';
const seed = fuzzSeed();
const indexes = caseIndexes(caseCount(300));
const PER_CASE_MS = 10_000;
const CLI_BOUND_MS = 15_000;
const CLI_MAX_RSS_MIB = 1_024;

const tmp = mkdtempSync(join(tmpdir(), 'swarm-fuzz-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const noop = join(tmp, 'noop.yaml');
writeFileSync(noop, 'name: fuzz-noop\nsymbols:\n  - name: noop\n    type: action\n');
const needsPhp = join(tmp, 'php.yaml');
writeFileSync(needsPhp, 'name: fuzz-php\nsymbols:\n  - name: p\n    type: action\n    dispatch: php_engine\n');

function logFileOnly(stdout: string): boolean {
  try {
    const issues = (JSON.parse(stdout) as { error?: { issues?: { key?: string }[] } }).error?.issues ?? [];
    return issues.length > 0 && issues.every((issue) => issue.key === 'logging.file');
  } catch {
    return false;
  }
}

test(`configs: ${indexes.length} cases, FUZZ_SEED=${seed}`, async () => {
  const failures = new Failures(FUZZER, seed);
  const results = new Map<number, CaseResult>();
  const caseOf = (i: number) => configCase(Rng.forCase(seed, 'config', i));
  const addAll = (i: number, problems: { cls: string; detail: string }[], input?: string) => {
    const c = caseOf(i);
    for (const p of problems) failures.add({ cls: p.cls, index: i, label: c.label, input: showInput(input ?? c.bytes), detail: p.detail, size: (input ?? '').length || c.bytes.length });
  };

  await runCasesInChild('config', seed, indexes, PER_CASE_MS, (r) => {
    results.set(r.i, r);
    addAll(r.i, r.problems, r.input);
  });

  // The real CLI on a sample; which command depends on what loadConfig made of the case.
  const sampled = indexes.filter((i) => hash32(seed, 'cli', i) % 8 === 0 || process.env.FUZZ_ONLY);
  let runs = 0;
  await pool(sampled, 2, async (i) => {
    const c = caseOf(i);
    const dir = join(tmp, `case-${i}`);
    mkdirSync(dir);
    const file = join(dir, 'swarm-config.toml');
    writeFileSync(file, c.bytes);
    const verdict = results.get(i);
    // A config with thousands of threads is the in-process finding already; do not start them.
    const sane = verdict?.verdict === 'valid' && !verdict.problems.some((p) => /local_workers/.test(p.cls));
    const command = sane ? 'run' : 'validate';
    const args = sane ? ['run', noop, '--db', ':memory:', '--json'] : ['validate', needsPhp, file, '--json'];
    if (sane) runs++;
    const run = await runCli(args, CLI_BOUND_MS, { SWARM_CONFIG: file }, dir);
    const problems = cliProblems(command, run, { json: true, allowed: sane ? [0, 1, 2] : [0, 2], boundMs: CLI_BOUND_MS, maxRssMiB: CLI_MAX_RSS_MIB, tmp: dir });
    // Only a run opens the log file: an unwritable one is a config error there and nowhere before.
    const logFileRefused = run.code === 2 && logFileOnly(run.stdout);
    // A valid config with local_workers = 0 leaves this host no node for the noop: run refuses the manifest, not the config.
    const manifestRefused = run.code === 2 && run.stdout.includes('cannot run here: on this host no node can take these symbols');
    if (!run.killed && verdict && !logFileRefused && !manifestRefused && (verdict.verdict === 'valid') !== (run.code !== 2)) {
      problems.push({ cls: `cli ${command}: config verdict differs from loadConfig`, detail: `loadConfig: ${verdict.verdict}, CLI exit ${run.code}; stderr: ${run.stderr.slice(0, 300)}` });
    }
    if (sane && run.code === 1 && !/local_workers = 0\b/.test(c.label) && !run.stdout.includes('NO_CAPABLE_NODE')) {
      problems.push({ cls: 'cli run: a one-noop workflow failed under an accepted config', detail: run.stdout.slice(0, 600) });
    }
    addAll(i, problems);
    rmSync(dir, { recursive: true, force: true });
  });

  const valid = [...results.values()].filter((r) => r.verdict === 'valid').length;
  console.error(`${FUZZER}: ${indexes.length} cases (${valid} accepted), ${sampled.length} through the CLI (${runs} runs), FUZZ_SEED=${seed}`);
  expect(finish(failures)).toEqual([]);
}, testTimeout(300_000));

