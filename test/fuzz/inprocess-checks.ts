import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessPolicy } from '../../src/server/access.ts';
import { loadConfig } from '../../src/config/index.ts';
import { ConfigError, ManifestError } from '../../src/errors.ts';
import { jsonProblem } from '../../src/json-limits.ts';
import { manifestDefaults } from '../../src/manifest/defaults.ts';
import { parseManifest, topologicalOrder } from '../../src/manifest/index.ts';
import { leakIn, shorten } from './checks.ts';
import { DURATION_KEYS } from './gen-config.ts';

/**
 * The in-process properties of one manifest or config case (run inside case-runner.ts, a child
 * process the test can kill if a case hangs). Each problem has a class (one bug) and a detail.
 */

export interface Problem {
  cls: string;
  detail: string;
}

export interface Verdict {
  verdict: 'valid' | 'invalid' | 'crashed';
  problems: Problem[];
}

/** Longest setTimeout delay: anything longer fires at once (Node/Bun clamp it to 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function thrown(what: string, error: unknown): Problem {
  const e = error as Error;
  return { cls: `${what} threw ${e?.name ?? typeof error}${/stack|call stack/i.test(String(e?.message)) ? ' (stack overflow)' : ''}`, detail: shorten(`${e?.name}: ${e?.message}`, 400) };
}

/** Decodes bytes the way readFileSync(path, 'utf8') does (invalid sequences become U+FFFD). */
export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

export function checkManifest(bytes: Uint8Array, format: 'yaml' | 'toml'): Verdict {
  const problems: Problem[] = [];
  let loaded;
  try {
    loaded = parseManifest(utf8(bytes), { format, file: `fuzz.${format}` });
  } catch (error) {
    if (!(error instanceof ManifestError)) return { verdict: 'crashed', problems: [thrown('manifest: parseManifest', error)] };
    if (error.issues.length === 0) problems.push({ cls: 'manifest: ManifestError without issues', detail: error.message });
    const leak = leakIn(error.message);
    if (leak) problems.push({ cls: `manifest: error message shows ${leak.split(':')[0]}`, detail: leak });
    try {
      JSON.stringify({ valid: false, issues: error.issues });
    } catch (e) {
      problems.push(thrown('manifest: JSON of the issues', e));
    }
    return { verdict: 'invalid', problems };
  }
  const { manifest } = loaded;
  const problem = jsonProblem(manifest);
  if (problem) problems.push({ cls: `manifest: valid but not storable (${problem.reason})`, detail: problem.message });
  try {
    JSON.stringify(manifest);
  } catch (e) {
    if (!problem) problems.push({ cls: 'manifest: valid but not storable (JSON.stringify threw)', detail: String(e) });
  }
  for (const s of manifest.symbols) {
    for (const entry of [s, ...(s.rollback ? [s.rollback] : [])]) {
      if (entry.timeout > MAX_TIMER_MS) problems.push({ cls: 'manifest: timeout >= 2^31 ms accepted', detail: `symbol ${entry.name}: timeout ${entry.timeout}` });
      const ms = (entry.parameters as Record<string, unknown>).ms;
      const op = (entry.parameters as Record<string, unknown>).operation ?? entry.name;
      if (entry.dispatch === 'internal' && op === 'delay' && typeof ms === 'number' && ms > MAX_TIMER_MS) {
        problems.push({ cls: 'manifest: delay duration >= 2^31 ms accepted', detail: `symbol ${entry.name}: ms ${ms}` });
      }
    }
  }
  try {
    const order = topologicalOrder(manifest);
    if (order.length !== manifest.symbols.length) problems.push({ cls: 'manifest: topological order misses symbols', detail: `${order.length} of ${manifest.symbols.length}` });
  } catch (e) {
    problems.push(thrown('manifest: topologicalOrder', e));
  }
  return { verdict: 'valid', problems };
}

/** Largest local_workers the fuzzers accept as sane (thread count per process). */
export const MAX_SANE_LOCAL_WORKERS = 1_024;

export function checkConfig(bytes: Uint8Array): Verdict {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-fuzz-config-'));
  try {
    const file = join(dir, 'swarm-config.toml');
    writeFileSync(file, bytes);
    const problems: Problem[] = [];
    let config;
    try {
      ({ config } = loadConfig(file, { env: {}, cwd: dir }));
    } catch (error) {
      if (!(error instanceof ConfigError)) return { verdict: 'crashed', problems: [thrown('config: loadConfig', error)] };
      const leak = leakIn(error.message.split(dir).join('<dir>'));
      if (leak) problems.push({ cls: `config: error message shows ${leak.split(':')[0]}`, detail: leak });
      if (error.issues.length === 0) problems.push({ cls: 'config: ConfigError without issues', detail: error.message });
      return { verdict: 'invalid', problems };
    }
    try {
      JSON.stringify(config);
    } catch (e) {
      problems.push(thrown('config: JSON.stringify(config)', e));
    }
    for (const key of DURATION_KEYS) {
      const [a, b, c] = key.split('.');
      const value = (c ? (config as any)[a]?.[b]?.[c] : (config as any)[a]?.[b]) as unknown;
      if (typeof value === 'number' && value > MAX_TIMER_MS) problems.push({ cls: `config: duration ${key.replace(/^backends\.\w+/, 'backends.*')} >= 2^31 ms accepted`, detail: `${key} = ${value}` });
    }
    if (config.dispatcher.local_workers > MAX_SANE_LOCAL_WORKERS) {
      problems.push({ cls: 'config: local_workers unbounded', detail: `local_workers = ${config.dispatcher.local_workers} accepted` });
    }
    try {
      manifestDefaults(config);
    } catch (e) {
      problems.push(thrown('config: manifestDefaults', e));
    }
    try {
      accessPolicy(config, {});
    } catch (e) {
      if (!(e instanceof ConfigError)) problems.push(thrown('config: accessPolicy', e));
    }
    return { verdict: 'valid', problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
