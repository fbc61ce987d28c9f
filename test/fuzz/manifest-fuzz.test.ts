import { afterAll, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Failures, finish, showInput } from './checks.ts';
import { manifestCase, type ManifestCase } from './gen-manifest.ts';
import { cliProblems, pool, runCasesInChild, runCli, type CaseResult } from './harness.ts';
import { caseCount, caseIndexes, fuzzSeed, testTimeout, hash32, Rng } from './prng.ts';

/**
 * Manifest fuzzer: ~1,000 generated YAML/TOML manifests (valid ones mutated, and adversarial
 * ones) through parseManifest in a child process (killed if a case hangs), and a sample (every
 * heavy case, ~1 in 16 of the others) through the real `swarm validate [--json]`.
 *
 * Per case: only a ManifestError may come out (no other exception), its messages show no stack
 * or source path, a valid manifest is storable (JSON within the store's limits), its durations
 * fit a timer; the CLI exits 0 or 2 within its bound, agrees with parseManifest, prints one JSON
 * document with --json, no stack trace, and stays within its memory bound.
 */

const FUZZER = 'manifest-fuzz';
const seed = fuzzSeed();
const indexes = caseIndexes(caseCount(1_000));
const PER_CASE_MS = 10_000;
const CLI_BOUND_MS = 15_000;
const CLI_MAX_RSS_MIB = 1_024;

const tmp = mkdtempSync(join(tmpdir(), 'swarm-fuzz-manifest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** A config of its own, so the repository's swarm-config.toml is never read. */
const config = join(tmp, 'config.toml');
writeFileSync(config, '[logging]\nfile = ""\n');

function caseOf(i: number): ManifestCase {
  return manifestCase(Rng.forCase(seed, 'manifest', i));
}

test(`manifests: ${indexes.length} cases, FUZZ_SEED=${seed}`, async () => {
  const failures = new Failures(FUZZER, seed);
  const verdicts = new Map<number, CaseResult['verdict']>();
  const labels = new Map<number, string>();
  const sampled = indexes.filter((i) => caseOf(i).heavy || hash32(seed, 'cli', i) % 16 === 0 || process.env.FUZZ_ONLY);

  const inProcess = runCasesInChild('manifest', seed, indexes, PER_CASE_MS, (r) => {
    verdicts.set(r.i, r.verdict);
    if (r.rssMiB !== undefined && r.rssMiB > 2_048) r.problems.push({ cls: 'manifest: in-process memory over 2 GiB', detail: `rss ${r.rssMiB} MiB after the case` });
    for (const p of r.problems) {
      const c = caseOf(r.i);
      failures.add({ cls: p.cls, index: r.i, label: c.label, input: showInput(r.input ?? c.bytes), detail: p.detail, size: (r.input ?? '').length || c.bytes.length });
    }
  });

  // The real CLI, one process at a time beside the in-process child (2 cores).
  const cliResults: { i: number; code: number | null; json: boolean }[] = [];
  const cli = pool(sampled, 1, async (i) => {
    const c = caseOf(i);
    labels.set(i, c.label);
    const file = join(tmp, `case-${i}.${c.format === 'yaml' ? (i % 2 ? 'yml' : 'yaml') : 'toml'}`);
    writeFileSync(file, c.bytes);
    const json = hash32(seed, 'json', i) % 2 === 0;
    const run = await runCli(['validate', file, ...(json ? ['--json'] : [])], CLI_BOUND_MS, { SWARM_CONFIG: config });
    const problems = cliProblems('validate', run, { json, allowed: [0, 2], boundMs: CLI_BOUND_MS, maxRssMiB: CLI_MAX_RSS_MIB, tmp });
    if (json && !run.killed) {
      try {
        const doc = JSON.parse(run.stdout) as { valid?: unknown };
        if (doc.valid !== (run.code === 0)) problems.push({ cls: 'cli validate: --json "valid" disagrees with the exit code', detail: `valid ${String(doc.valid)}, exit ${run.code}` });
      } catch {
        // already reported
      }
    }
    cliResults.push({ i, code: run.killed ? null : run.code, json });
    for (const p of problems) failures.add({ cls: p.cls, index: i, label: c.label, input: showInput(c.bytes), detail: p.detail, size: c.bytes.length });
    rmSync(file, { force: true });
  });

  await Promise.all([inProcess, cli]);

  // The CLI and parseManifest must agree on what is valid.
  for (const { i, code } of cliResults) {
    const verdict = verdicts.get(i);
    if (code === null || (verdict !== 'valid' && verdict !== 'invalid')) continue;
    if ((verdict === 'valid') !== (code === 0)) {
      const c = caseOf(i);
      failures.add({ cls: 'cli validate: verdict differs from parseManifest', index: i, label: c.label, input: showInput(c.bytes), detail: `parseManifest: ${verdict}, CLI exit ${code}`, size: c.bytes.length });
    }
  }
  const valid = [...verdicts.values()].filter((v) => v === 'valid').length;
  console.error(`${FUZZER}: ${indexes.length} cases (${valid} valid), ${sampled.length} through the CLI, FUZZ_SEED=${seed}`);
  expect(finish(failures)).toEqual([]);
}, testTimeout(300_000));
