import type { BackendsConfig, SwarmConfig } from './config/schema.ts';
import type { Manifest, SymbolSpec } from './manifest/types.ts';

/**
 * Which symbols (and rollbacks) dispatch to a backend this config does not enable. `swarm run`
 * has no node but its own, so such a symbol could never run: it refuses the manifest before
 * anything starts; `validate` warns (a dispatcher may still have a worker that offers it).
 */
export interface DisabledBackendUse {
  symbol: string;
  /** The rollback's name when it is the rollback that needs the backend. */
  rollback?: string;
  target: keyof BackendsConfig | 'internal';
  /** What leaves it without a node: its backend disabled, or no local node at all. */
  because: 'backend-disabled' | 'no-local-workers';
}

export function disabledBackendUses(manifest: Manifest, backends: BackendsConfig): DisabledBackendUse[] {
  return usesOf(manifest, (target) => (target !== 'internal' && !backends[target].enabled ? 'backend-disabled' : undefined), () => everythingOf(manifest));
}

function usesOf(
  manifest: Manifest,
  unrunnable: (target: DisabledBackendUse['target']) => DisabledBackendUse['because'] | undefined,
  runs: (symbol: SymbolSpec) => RunsOf,
): DisabledBackendUse[] {
  const uses: DisabledBackendUse[] = [];
  for (const symbol of manifest.symbols) {
    const which = runs(symbol);
    const because = which.symbol ? unrunnable(symbol.dispatch) : undefined;
    if (because) uses.push({ symbol: symbol.name, target: symbol.dispatch, because });
    const rollback = symbol.rollback;
    const rollbackBecause = which.rollback && rollback ? unrunnable(rollback.dispatch) : undefined;
    if (rollback && rollbackBecause) uses.push({ symbol: symbol.name, rollback: rollback.name, target: rollback.dispatch, because: rollbackBecause });
  }
  return uses;
}

/**
 * What this host cannot run of a manifest by itself (`swarm run`, a local replay or rollback):
 * symbols of disabled backends, and with `[dispatcher] local_workers = 0` every symbol, since
 * the dispatcher then starts neither worker threads nor backend processes (it only
 * coordinates) and no remote worker attaches to a local run.
 */
export function unrunnableHere(
  manifest: Manifest,
  config: Pick<SwarmConfig, 'backends' | 'dispatcher'>,
  runs: (symbol: SymbolSpec) => RunsOf = () => everythingOf(manifest),
): DisabledBackendUse[] {
  const unrunnable = (target: DisabledBackendUse['target']): DisabledBackendUse['because'] | undefined =>
    target !== 'internal' && !config.backends[target].enabled ? 'backend-disabled' : config.dispatcher.local_workers === 0 ? 'no-local-workers' : undefined;
  return usesOf(manifest, unrunnable, runs);
}

/** Which of a symbol's parts a run may dispatch: the symbol, its rollback. */
export interface RunsOf {
  symbol: boolean;
  rollback: boolean;
}

/** What a run of the manifest may dispatch of each symbol: the symbol, and its rollback unless `rollback_policy: none` runs none. */
export function everythingOf(manifest: Manifest): RunsOf {
  return { symbol: true, rollback: manifest.rollback_policy !== 'none' };
}
export const NEITHER: RunsOf = { symbol: false, rollback: false };

/** Uses listed one by one; the rest are counted. */
const USES_LISTED = 10;

/** One line per use: `symbol "x" (rollback "y"): dispatch php_engine, but [backends.php_engine] enabled = false`. */
export function describeDisabledUses(uses: readonly DisabledBackendUse[]): string[] {
  const lines = uses.slice(0, USES_LISTED).map((u) => {
    const why = u.because === 'no-local-workers' ? '[dispatcher] local_workers = 0' : `[backends.${u.target}] enabled = false`;
    return `symbol "${u.symbol}"${u.rollback ? ` (its rollback "${u.rollback}")` : ''}: dispatch ${u.target}, but ${why}`;
  });
  if (uses.length > USES_LISTED) lines.push(`… and ${uses.length - USES_LISTED} more`);
  return lines;
}
