import { UsageError } from './errors.ts';
import { topologicalOrder } from './manifest/graph.ts';
import { closestMatch } from './manifest/suggest.ts';
import type { Manifest, SymbolSpec } from './manifest/types.ts';
import type { TaskRecord } from './store/types.ts';

export interface ReplayOptions {
  /** Re-run this symbol and everything downstream of it too. */
  from?: string;
  /** Re-run everything. */
  all?: boolean;
}

/** Which tasks a replay carries over, and why the others run again. */
export interface ReplayPlan {
  /** Symbol name → the output carried over from the original run. */
  reuse: Map<string, unknown>;
  /** Symbol name → why it runs again (for `--json` and the log). */
  rerun: Map<string, string>;
}

/**
 * Decides what a replay of a run reuses. A symbol's result is carried over when it succeeded
 * in the original run, it is the same symbol (same type, context, dispatch, parameters,
 * dependencies and rollback — a fixed or edited symbol runs again), and everything it depends
 * on is carried over too (a dependency that runs again may produce another output). Failed,
 * rolled back, skipped and cancelled tasks, new symbols and everything downstream of them
 * run again; `from` and `all` widen that.
 */
export function planReplay(original: Manifest, tasks: readonly TaskRecord[], next: Manifest, options: ReplayOptions = {}): ReplayPlan {
  const before = new Map(original.symbols.map((s) => [s.name, s]));
  const results = new Map(tasks.map((t) => [t.name, t]));
  if (options.from !== undefined && options.all) {
    throw new UsageError(`Re-running from "${options.from}" and re-running all are two different replays; ask for one (all already runs every symbol again).`);
  }
  if (options.from !== undefined && !next.symbols.some((s) => s.name === options.from)) {
    const close = closestMatch(options.from, next.symbols.map((s) => s.name));
    throw new UsageError(`The symbol to re-run from, "${options.from}", is not a symbol of the workflow being replayed${close === undefined ? '' : ` (did you mean "${close}"?)`}.`);
  }
  const plan: ReplayPlan = { reuse: new Map(), rerun: new Map() };
  const downstreamOfFrom = options.from !== undefined ? downstream(next, options.from) : new Set<string>();
  const byName = new Map(next.symbols.map((s) => [s.name, s]));
  // Topological order, so every dependency is judged before its dependents.
  for (const name of topologicalOrder(next)) {
    const symbol = byName.get(name)!;
    const reason = rerunReason(symbol, before.get(symbol.name), results.get(symbol.name), plan, options, downstreamOfFrom);
    if (reason === null) plan.reuse.set(symbol.name, results.get(symbol.name)!.output);
    else plan.rerun.set(symbol.name, reason);
  }
  return plan;
}

function rerunReason(
  symbol: SymbolSpec,
  was: SymbolSpec | undefined,
  result: TaskRecord | undefined,
  plan: ReplayPlan,
  options: ReplayOptions,
  downstreamOfFrom: ReadonlySet<string>,
): string | null {
  if (options.all) return '--all';
  if (symbol.name === options.from) return '--from';
  if (downstreamOfFrom.has(symbol.name)) return `downstream of --from ${options.from}`;
  if (!was || !result) return 'new symbol';
  if (result.status !== 'succeeded') return `was ${result.status}`;
  if (!sameSymbol(symbol, was)) return 'changed in the manifest';
  const rerunDependency = symbol.dependencies.find((d) => !plan.reuse.has(d));
  if (rerunDependency !== undefined) return `depends on ${rerunDependency}, which runs again`;
  return null;
}

/** What decides a symbol's result; priority, timeout and retries only change how it is run. */
function sameSymbol(a: SymbolSpec, b: SymbolSpec): boolean {
  const key = (s: SymbolSpec) =>
    JSON.stringify(keysInOrder([s.type, s.context, s.dispatch, s.parameters, [...new Set(s.dependencies)].sort(), s.rollback ?? null]));
  return key(a) === key(b);
}

/**
 * `value` with every mapping's keys sorted: the order a manifest lists a mapping's keys in means
 * nothing (YAML, TOML, JSON), while a list's order does.
 */
function keysInOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keysInOrder);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = keysInOrder((value as Record<string, unknown>)[key]);
  return sorted;
}

function downstream(manifest: Manifest, from: string): Set<string> {
  const dependents = new Map<string, string[]>();
  for (const s of manifest.symbols) for (const d of s.dependencies) dependents.set(d, [...(dependents.get(d) ?? []), s.name]);
  const out = new Set<string>();
  const queue = [...(dependents.get(from) ?? [])];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (out.has(name)) continue;
    out.add(name);
    queue.push(...(dependents.get(name) ?? []));
  }
  return out;
}
