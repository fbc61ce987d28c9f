/**
 * Runs manifest or config cases in-process, in a child process of the test (so a case that
 * hangs can be killed and reported): `bun test/fuzz/case-runner.ts <manifest|config> <seed> <i,j,...>`.
 * Writes one JSON line per case on stdout: {i, verdict, problems, rssMiB, input?}. A failing
 * case is minimized first (line then chunk deletion, keeping the same failure class, within a
 * small budget) and its minimized input is in `input` (latin1 text of the bytes).
 */
import { configCase } from './gen-config.ts';
import { manifestCase } from './gen-manifest.ts';
import { checkConfig, checkManifest, type Verdict } from './inprocess-checks.ts';
import { Rng } from './prng.ts';

const [kind, seedText, list] = process.argv.slice(2);
const seed = Number(seedText);
const indexes = list ? list.split(',').map(Number) : [];

function check(bytes: Uint8Array, format: 'yaml' | 'toml'): Verdict {
  return kind === 'manifest' ? checkManifest(bytes, format) : checkConfig(bytes);
}

/** Greedy delta debugging: drop line ranges, then byte ranges, while `fails` still holds. */
function minimize(bytes: Uint8Array, fails: (b: Uint8Array) => boolean, budgetMs: number): Uint8Array {
  const deadline = Date.now() + budgetMs;
  let best = bytes;
  const tryDrop = (units: Uint8Array[], join: (u: Uint8Array[]) => Uint8Array) => {
    let chunk = Math.max(1, Math.floor(units.length / 2));
    while (chunk >= 1 && Date.now() < deadline) {
      let changed = false;
      for (let start = 0; start < units.length && Date.now() < deadline; ) {
        const candidate = [...units.slice(0, start), ...units.slice(start + chunk)];
        const b = join(candidate);
        if (candidate.length < units.length && fails(b)) {
          units = candidate;
          best = b;
          changed = true;
        } else start += chunk;
      }
      if (!changed) chunk = Math.floor(chunk / 2);
    }
    return units;
  };
  const splitLines = (b: Uint8Array) => {
    const out: Uint8Array[] = [];
    let s = 0;
    for (let i = 0; i < b.length; i++) if (b[i] === 10) (out.push(b.subarray(s, i + 1)), (s = i + 1));
    if (s < b.length) out.push(b.subarray(s));
    return out;
  };
  const concat = (u: Uint8Array[]) => new Uint8Array(Buffer.concat(u));
  tryDrop(splitLines(best), concat);
  if (best.length <= 4_096) tryDrop(Array.from(best, (x) => new Uint8Array([x])), concat);
  return best;
}

for (const i of indexes) {
  const rng = Rng.forCase(seed, kind, i);
  const c = kind === 'manifest' ? manifestCase(rng) : { ...configCase(rng), format: 'toml' as const, heavy: false };
  const started = performance.now();
  const result = check(c.bytes, c.format);
  const ms = performance.now() - started;
  let input: string | undefined;
  if (result.problems.length > 0) {
    const cls = result.problems[0].cls;
    const small = minimize(c.bytes, (b) => check(b, c.format).problems.some((p) => p.cls === cls), c.heavy ? 1_500 : 3_000);
    try {
      input = new TextDecoder('utf-8', { fatal: true }).decode(small);
    } catch {
      input = `(not UTF-8; bytes as latin1) ${Buffer.from(small).toString('latin1')}`;
    }
  }
  const rssMiB = Math.round(process.memoryUsage().rss / 1_048_576);
  process.stdout.write(JSON.stringify({ i, verdict: result.verdict, problems: result.problems, rssMiB, ms: Math.round(ms), ...(input !== undefined ? { input } : {}) }) + '\n');
}
process.exit(0);
