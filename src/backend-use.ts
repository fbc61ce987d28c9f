import type { BackendsConfig, SwarmConfig } from './config/schema.ts';
import type { Manifest } from './manifest/types.ts';

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
}

export function disabledBackendUses(manifest: Manifest, backends: BackendsConfig): DisabledBackendUse[] {
  const uses: DisabledBackendUse[] = [];
  const disabled = (target: string): target is keyof BackendsConfig => target !== 'internal' && !backends[target as keyof BackendsConfig].enabled;
  for (const symbol of manifest.symbols) {
    if (disabled(symbol.dispatch)) uses.push({ symbol: symbol.name, target: symbol.dispatch });
    const rollback = symbol.rollback;
    if (rollback && disabled(rollback.dispatch)) uses.push({ symbol: symbol.name, rollback: rollback.name, target: rollback.dispatch });
  }
  return uses;
}

/**
 * What this host cannot run of a manifest by itself (`swarm run`, a local replay or rollback):
 * symbols of disabled backends, and with `[dispatcher] local_workers = 0` every internal one,
 * since only local worker threads run those and no remote worker attaches to a local run.
 */
export function unrunnableHere(manifest: Manifest, config: Pick<SwarmConfig, 'backends' | 'dispatcher'>): DisabledBackendUse[] {
  const uses = disabledBackendUses(manifest, config.backends);
  if (config.dispatcher.local_workers > 0) return uses;
  for (const symbol of manifest.symbols) {
    if (symbol.dispatch === 'internal') uses.push({ symbol: symbol.name, target: 'internal' });
    const rollback = symbol.rollback;
    if (rollback?.dispatch === 'internal') uses.push({ symbol: symbol.name, rollback: rollback.name, target: 'internal' });
  }
  return uses;
}

/** Uses listed one by one; the rest are counted. */
const USES_LISTED = 10;

/** One line per use: `symbol "x" (rollback "y"): dispatch php_engine, but [backends.php_engine] enabled = false`. */
export function describeDisabledUses(uses: readonly DisabledBackendUse[]): string[] {
  const lines = uses.slice(0, USES_LISTED).map((u) => {
    const why = u.target === 'internal' ? '[dispatcher] local_workers = 0' : `[backends.${u.target}] enabled = false`;
    return `symbol "${u.symbol}"${u.rollback ? ` (its rollback "${u.rollback}")` : ''}: dispatch ${u.target}, but ${why}`;
  });
  if (uses.length > USES_LISTED) lines.push(`… and ${uses.length - USES_LISTED} more`);
  return lines;
}
