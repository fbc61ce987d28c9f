/**
 * How long validation takes for big manifests with every kind of problem (seven per ten
 * symbols, see test/manifest/big-manifest.ts), YAML and TOML, and for the slowest body of
 * 1 MiB found (a flow sequence of 500,000 items: the YAML library's own reading dominates).
 * Validation is linear; this shows the figures. Not part of `bench/run.ts`.
 *
 *   npx bun bench/validate-big.ts [--repeats 3]
 */
import { parseManifest } from '../src/manifest/index.ts';
import { bigManifest } from '../test/manifest/big-manifest.ts';

const repeatsArg = process.argv.indexOf('--repeats');
const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 3;

function median(source: string, format: 'yaml' | 'toml'): { ms: number; outcome: string } {
  const times: number[] = [];
  let outcome = '';
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    try {
      parseManifest(source, { format, file: 'bench' });
      outcome = 'valid';
    } catch (error) {
      outcome = (error as Error).message.split('\n')[0];
    }
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], outcome };
}

const rows: [string, string, 'yaml' | 'toml'][] = [];
for (const count of [2_000, 10_000, 50_000]) {
  for (const format of ['yaml', 'toml'] as const) rows.push([`${count} symbols, ${format}`, bigManifest(count, format), format]);
}
const flow = `name: big\nsymbols:\n  - name: a\n    type: action\n    parameters: { operation: echo, message: [${'1,'.repeat(500_000)}1] }\n`;
rows.push(['1 MiB flow sequence, yaml', flow, 'yaml']);

for (const [label, source, format] of rows) {
  const { ms, outcome } = median(source, format);
  const mb = (Buffer.byteLength(source) / 1_048_576).toFixed(1);
  console.log(`${label.padEnd(28)} ${mb.padStart(5)} MiB ${ms.toFixed(0).padStart(7)} ms  ${outcome}`);
}
