import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { reSimulate } from '../../../actors/journal/simulation/re-simulate.ts';
import { UsageError } from '../../errors.ts';
import { dagOf, type Dag } from '../../graph/dag.ts';
import { dagToDot, dagToMermaid } from '../../graph/formats.ts';
import { dagToSvg } from '../../graph/svg.ts';
import { loadManifestFile } from '../../manifest/index.ts';
import type { Manifest } from '../../manifest/types.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { openStoredRun, parseCount } from '../context.ts';
import { out } from '../exit.ts';
import { swarmCommandLine } from '../../command-line.ts';
import { printJson } from '../output.ts';

const FORMATS = ['mermaid', 'dot', 'json', 'svg'] as const;

interface GraphOptions {
  format: string;
  json?: boolean;
  at?: string;
  db?: string;
}

/**
 * `swarm graph <manifest|run> [config] [--format mermaid|dot|json|svg] [--at SEQ] [--db PATH]`:
 * a workflow's DAG. The argument is a manifest file when such a file exists, else a run (id or
 * unique prefix) in the store, whose tasks' states are written into the nodes: at the end, or
 * with --at as the machines rebuild them at that journal row (`replay --simulate --at`).
 * SVG is laid out by Graphviz (WebAssembly).
 */
export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description(summaryOf('graph'))
    .argument('<manifest-or-run>', 'a manifest file, or a run id (or a unique prefix of one)')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--format <format>', `${FORMATS.join(', ')} (default mermaid)`, 'mermaid')
    .option('--json', 'the same as --format json (errors as JSON too)')
    .option('--at <seq>', "for a run: the states as of this journal seq (see swarm history)")
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .action(action(graph));
}

async function graph(target: string, configPath: string | undefined, opts: GraphOptions): Promise<number> {
  if (opts.json) opts.format = 'json';
  if (!(FORMATS as readonly string[]).includes(opts.format)) throw new UsageError(`--format expects ${FORMATS.join(', ')} (got "${opts.format}").`);
  // A path that is not there is a missing file, not an unknown run.
  const isFile = existsSync(target) || looksLikePath(target);
  if (isFile && opts.at !== undefined) throw new UsageError('--at is for a run: a manifest file has no journal.');
  const dag = isFile ? dagOf(loadManifestFile(target).manifest) : await runDag(target, configPath, opts);
  if (opts.format === 'json') await printJson(dag);
  else if (opts.format === 'mermaid') await out(dagToMermaid(dag));
  else if (opts.format === 'dot') await out(dagToDot(dag));
  else await out(await dagToSvg(dag));
  return 0;
}

/** Run ids have neither a directory nor a manifest's extension in them. */
function looksLikePath(target: string): boolean {
  return /[\\/]/.test(target) || /\.(ya?ml|toml|json)$/i.test(target);
}

async function runDag(ref: string, configPath: string | undefined, opts: GraphOptions): Promise<Dag> {
  const { config, store, run } = await openStoredRun(ref, configPath, opts.db);
  const manifest = run.manifest as Manifest;
  if (opts.at === undefined) return dagOf(manifest, new Map(store.getTasks(run.id).map((t) => [t.name, t.status])));
  const at = parseCount(opts.at, '--at');
  const transitions = store.getTransitions(run.id);
  if (transitions.length === 0 || at < transitions[0].seq) {
    const range = transitions.length === 0 ? 'it has no journal rows yet' : `its rows are seq ${transitions[0].seq}..${transitions[transitions.length - 1].seq}`;
    throw new UsageError(`--at ${at} is before run ${run.id} began: ${range} (see \`${swarmCommandLine(['history', run.id], configPath, opts.db)}\`).`);
  }
  const { actors } = reSimulate(
    { runId: run.id, manifest, transitions },
    { at, backoff: { base: config.coordinator.retry_backoff_base, max: config.coordinator.retry_backoff_max } },
  );
  const states = new Map(actors.filter((a) => a.kind === 'task').map((a) => [a.actorId.slice('task:'.length), a.state]));
  return dagOf(manifest, states);
}
