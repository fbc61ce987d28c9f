/**
 * How long `swarm` takes to start and answer, against the floor (`bun -e 1`): `--help`,
 * `validate` of a small manifest, and `runs` on a database with a few runs. Each is run
 * `--repeats` times in a fresh process; the median wall time is printed, with its ratio to
 * the floor. Not part of `bench/run.ts`: it measures the command line, not the runtime.
 *
 *   npx bun bench/cli-start.ts [--repeats 15]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dir, '..');
const repeatsArg = process.argv.indexOf('--repeats');
const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 15;
const dir = mkdtempSync(join(tmpdir(), 'swarm-cli-start-'));
const config = join(dir, 'config.toml');
writeFileSync(config, '[logging]\nfile = ""\n');
const db = join(dir, 'state.db');
const env = { ...process.env, SWARM_CONFIG: config };
const swarm = (args: string[]) => [process.execPath, 'src/cli/bin.ts', ...args];
const runHello = swarm(['run', 'examples/hello.yaml', '--db', db, '--quiet']);
for (let i = 0; i < 3; i++) spawnSync(runHello[0], runHello.slice(1), { cwd: root, env });

function median(argv: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const r = spawnSync(argv[0], argv.slice(1), { cwd: root, env, stdio: 'ignore' });
    times.push(performance.now() - t0);
    if (r.status === null) throw new Error(`${argv.join(' ')} did not exit`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const floor = median([process.execPath, '-e', '1']);
const rows: [string, number][] = [
  ['bun -e 1 (the floor)', floor],
  ['swarm --help', median(swarm(['--help']))],
  ['swarm validate examples/hello.yaml', median(swarm(['validate', 'examples/hello.yaml']))],
  ['swarm runs (3 runs)', median(swarm(['runs', '--db', db]))],
];
for (const [what, ms] of rows) console.log(`${what.padEnd(38)} ${ms.toFixed(0).padStart(5)} ms   ${(ms / floor).toFixed(1)}× the floor`);
rmSync(dir, { recursive: true, force: true });
