import type { BackendsConfig } from './config/schema.ts';
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
  target: keyof BackendsConfig;
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

/** One line per use: `symbol "x" (rollback "y"): dispatch php_engine, but [backends.php_engine] enabled = false`. */
export function describeDisabledUses(uses: readonly DisabledBackendUse[]): string[] {
  return uses.map(
    (u) => `symbol "${u.symbol}"${u.rollback ? ` (its rollback "${u.rollback}")` : ''}: dispatch ${u.target}, but [backends.${u.target}] enabled = false`,
  );
}
