import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.ts';
import { loadManifestFile, manifestDefaults, type LoadedManifest } from '../../manifest/index.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { resolveRunId } from '../context.ts';
import { leftToRun } from '../../../actors/run-takeup.ts';
import { hostRunLocally, loadRunConfig, refuseUnrunnableHere } from '../local-run.ts';
import { note } from '../output.ts';

interface RunOptions {
  json?: boolean;
  db?: string;
  quiet?: boolean;
  resume?: string;
}

/**
 * `swarm run <manifest> [config] [--json] [--db PATH] [--quiet]`: runs a workflow on this
 * host's worker threads and waits for it. `swarm run --resume <run> [config]` takes up a run
 * whose process stopped before it finished (a crash, SIGKILL): what succeeded is not run
 * again, what was in flight runs as a new attempt. Exit 0 succeeded, 1 failed or cancelled, 2
 * bad manifest/config/arguments (or a run that is finished or still hosted by a live
 * process), 3 state database unavailable.
 *
 * Output: a task table and the run id; with --json exactly the RunResult; with --quiet only the
 * final line. On a terminal (stdout a TTY, no --json/--quiet) a progress bar runs meanwhile.
 * Console logging: while the bar is shown, and with --quiet, the console only gets `warn` and
 * above so info lines do not break the bar (the log file keeps `[logging] level`); otherwise
 * the console gets `[logging] level` on stderr, as everywhere. Ctrl-C: see hostRunLocally.
 */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description(summaryOf('run'))
    .argument('[manifest]', 'manifest file (.yaml, .yml or .toml); not with --resume')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--resume <run>', 'take up an unfinished run whose process stopped (a unique id prefix is enough)')
    .option('--json', 'print the run result as one JSON document')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .option('--quiet', 'no progress and no table: print only the final line')
    .action(action(runCommand));
}

async function runCommand(first: string | undefined, second: string | undefined, opts: RunOptions): Promise<number> {
  // With --resume there is no manifest: the one positional is the config.
  const [manifestPath, configPath] = opts.resume !== undefined ? [undefined, second ?? first] : [first, second];
  if (opts.resume !== undefined && (second !== undefined || looksLikeManifest(first))) {
    throw new UsageError('swarm run --resume <run> takes no manifest: the run resumes with the manifest it was deployed with.');
  }
  if (opts.resume === undefined && manifestPath === undefined) {
    throw new UsageError('swarm run needs a manifest file (or --resume <run>).');
  }
  const { config, output } = await loadRunConfig(configPath, opts);
  if (opts.resume !== undefined) {
    const runId = resolveRunId(config, opts.resume);
    return hostRunLocally(config, { ...output, timeByAttempts: true }, runId, (d) => {
      const { manifest, runs } = leftToRun(d.store, runId);
      refuseUnrunnableHere(manifest, config, `swarm run --resume ${runId}`, runs);
      const handle = d.resume(runId);
      // Taken up as it was, paused: but nothing reaches a `swarm run` to resume it (no API), so
      // it would wait for ever. It goes on here; a dispatcher takes it up paused instead.
      if (handle.state() === 'paused') {
        handle.resume();
        void note(`run ${runId} was paused; it goes on here (to keep it paused, take it up with a dispatcher instead: swarm start-dispatcher on this database)`);
      }
      return handle;
    });
  }
  const loaded = loadManifestFile(manifestPath!, { defaults: manifestDefaults(config) });
  refuseUnrunnableHere(loaded.manifest, config, `swarm run ${manifestPath}`);
  // Handed over: the run keeps what it needs, and a million symbols need not stay behind here.
  let manifest: LoadedManifest | null = loaded;
  return hostRunLocally(config, output, loaded.manifest.name, (d) => {
    const handed = manifest!;
    manifest = null;
    return d.deploy(handed);
  });
}

/**
 * Whether the one file given with --resume is a manifest rather than a config: configs are
 * TOML, so a YAML or JSON file is not one, and a TOML file listing symbols is a manifest.
 */
function looksLikeManifest(path: string | undefined): boolean {
  if (path === undefined) return false;
  if (/\.(ya?ml|json)$/i.test(path)) return true;
  if (!/\.toml$/i.test(path)) return false;
  try {
    return /^\s*(\[\[symbols\]\]|symbols\s*=)/m.test(readFileSync(path, 'utf8'));
  } catch {
    return false; // unreadable: loading it as the config says why
  }
}
