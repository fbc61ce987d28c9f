import type { Command } from 'commander';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { loadCliConfig, openCliStore } from '../context.ts';
import { ACTOR_KINDS, type SwarmStore, type TransitionRecord } from '../../store/types.ts';
import { out } from '../exit.ts';
import { historyFilter, type HistoryFilterOptions } from '../filters.ts';
import { asReported, errorJson, printJson } from '../output.ts';
import { HISTORY_HEAD, historyRow, historyTable } from '../tables.ts';
import { HistoryConcerns, type RowConcerns } from '../history-concerns.ts';
import { writeTableWrappingLast } from '../table-render.ts';
import { jsonForTerminal } from '../../terminal-text.ts';
import { resolveRunRef } from '../../run-ref.ts';
import { exitCodeFor, UsageError } from '../../errors.ts';
import { swarmCommandLine } from '../../command-line.ts';
import { closestMatch } from '../../manifest/suggest.ts';
import { shownName } from '../../manifest/shown-name.ts';

/** Symbols a run may have for `--symbol`'s "did you mean" to look through them. */
const SUGGESTED_FROM_AT_MOST = 10_000;

/**
 * `swarm history <run> [config] [--json] [--db PATH] [--symbol S | --actor ID] [--kind K,…]
 * [--event TYPE]`: the run's journal (every actor transition) in order, filtered. JSON: `{"runId", "transitions": [{seq, actorId, actorKind, from, to,
 * event, payload, at}]}`. Unknown run or ambiguous prefix → exit 2.
 */
export function registerHistory(program: Command): void {
  program
    .command('history')
    .description(summaryOf('history'))
    .argument('<run>', 'run id, or a unique prefix of one')
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print {"runId", "transitions": [...]} as JSON')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .option('--symbol <name>', "only this symbol's task actor")
    .option('--actor <id>', 'only this actor (an id as the table shows it, e.g. node:local)')
    .option('--kind <list>', `only these actor kinds, comma-separated (${ACTOR_KINDS.join(', ')})`)
    .option('--event <type>', 'only this event type (task.failed), or a prefix ending in * (task.*)')
    .action(
      action(async (ref: string, configPath: string | undefined, opts: { json?: boolean; db?: string } & HistoryFilterOptions) => {
        const accepts = historyFilter(opts);
        const { config } = await loadCliConfig(configPath, { db: opts.db, logs: false });
        const store = openCliStore(config);
        // The listing, not the run: a big run's manifest is not read to print its journal.
        const run = store.getRunListing(resolveRunRef(store, ref))!;
        if (opts.symbol !== undefined && store.getTask(run.id, opts.symbol) === undefined) {
          // Names to suggest from only while they are few: a million-task run is not read for a hint.
          const names = run.totalTasks <= SUGGESTED_FROM_AT_MOST ? store.getTasks(run.id).map((t) => t.name) : [];
          const close = closestMatch(opts.symbol, names);
          const hint = close === undefined ? '' : ` (did you mean "${close}"?)`;
          throw new UsageError(`Run ${run.id} has no symbol "${shownName(opts.symbol)}"${hint}; \`${swarmCommandLine(['show', run.id], configPath, opts.db)}\` lists them.`);
        }
        // A first pass counts (and keeps the shown rows while they are few); a long history is
        // then read again and written a page at a time, never held whole.
        let all = 0;
        let shownCount = 0;
        let kept: Shown[] | null = [];
        for (const page of shownRowPages(store, run.id, accepts)) {
          all += page.read;
          for (const shown of page.shown) {
            shownCount++;
            if (kept !== null && kept.length < WHOLE_AT_MOST) kept.push(shown);
            else kept = null;
          }
        }
        const shownPages = function* (): Generator<Shown[]> {
          if (kept !== null) {
            yield kept;
            return;
          }
          for (const page of shownRowPages(store, run.id, accepts)) yield page.shown;
        };
        if (opts.json) {
          if (kept !== null) await printJson({ runId: run.id, transitions: kept.map(([tr]) => asJson(tr)) });
          else return writeJsonInPages(run.id, mapPages(shownPages(), (page) => page.map(([tr]) => tr)));
        } else {
          const shown = shownCount === all ? `${all} transitions` : `${shownCount} of ${all} transitions`;
          await out(`Run ${run.id} (${run.name}, ${run.status}): ${shown}`);
          if (kept !== null && kept.length > 0) await out(historyTable(kept));
          else if (kept === null) await writeTableWrappingLast(HISTORY_HEAD, () => mapPages(shownPages(), (page) => page.map(([tr, concerns]) => historyRow(tr, concerns))), out);
        }
        return 0;
      }),
    );
}

/** Up to this many transitions shown, the table (or JSON) is made whole; past it, written a page at a time. */
const WHOLE_AT_MOST = 5_000;
/** Transitions read at once. */
const PAGE = 5_000;

function* transitionPages(store: SwarmStore, runId: string): Generator<TransitionRecord[]> {
  let afterSeq = 0;
  for (;;) {
    const page = store.getTransitions(runId, { afterSeq, limit: PAGE });
    if (page.length === 0) return;
    yield page;
    afterSeq = page[page.length - 1].seq;
  }
}

/** A row shown, with what it concerns. */
type Shown = readonly [TransitionRecord, RowConcerns];

/**
 * The run's journal a page at a time: how many rows were read, and those `accepts` keeps with
 * what each concerns (worked out from every row, kept or not: see HistoryConcerns).
 */
function* shownRowPages(store: SwarmStore, runId: string, accepts: (tr: TransitionRecord) => boolean): Generator<{ read: number; shown: Shown[] }> {
  const concerns = new HistoryConcerns();
  for (const page of transitionPages(store, runId)) {
    const shown: Shown[] = [];
    for (const tr of page) {
      const concerning = concerns.see(tr);
      if (accepts(tr)) shown.push([tr, concerning]);
    }
    yield { read: page.length, shown };
  }
}

function* mapPages<T, U>(pages: Iterable<T[]>, map: (page: T[]) => U[]): Generator<U[]> {
  for (const page of pages) yield map(page);
}

function asJson({ seq, actorId, actorKind, from, to, event, payload, at }: TransitionRecord) {
  return { seq, actorId, actorKind, from, to, event, payload, at };
}

/**
 * `{"runId", "transitions": [...]}` as printJson writes it, a page of transitions at a time;
 * the exit code. A read that fails once the document has begun ends it with `"error"` beside
 * the transitions so far: stdout stays one JSON document.
 */
export async function writeJsonInPages(runId: string, pages: Iterable<TransitionRecord[]>): Promise<number> {
  await out(jsonForTerminal(`{\n  "runId": ${JSON.stringify(runId)},\n  "transitions": [`));
  let held: string | null = null;
  let failure: unknown = null;
  try {
    for (const page of pages) {
      if (page.length === 0) continue;
      const text = page.map((tr) => JSON.stringify(asJson(tr), null, 2).replace(/^/gm, '    ')).join(',\n');
      if (held !== null) await out(jsonForTerminal(`${held},`));
      held = text;
    }
  } catch (err) {
    failure = asReported(err);
  }
  if (held !== null) await out(jsonForTerminal(held));
  if (failure === null) {
    await out('  ]\n}');
    return 0;
  }
  await out(jsonForTerminal(`  ],\n  "error": ${JSON.stringify(errorJson(failure))}\n}`));
  return exitCodeFor(failure);
}
