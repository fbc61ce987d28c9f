import type { CoordinatorInput } from '../machines/coordinator-machine.ts';
import type { TaskInput } from '../machines/task-machine.ts';
import type { Manifest, SymbolSpec } from '../src/manifest/types.ts';

/**
 * The inputs a run's actors are created with, from its manifest as deployed. One place for
 * the run coordinator that creates them and the re-simulation that rebuilds them from the
 * journal (whose `xstate.init` rows do not carry inputs), so the two cannot drift apart.
 */

/** A symbol's rollback timeout, or null when it has none or the policy runs no rollback. */
export function rollbackTimeoutOf(manifest: Manifest, spec: SymbolSpec): number | null {
  return manifest.rollback_policy !== 'none' && spec.rollback ? spec.rollback.timeout : null;
}

export function taskInputOf(runId: string, manifest: Manifest, spec: SymbolSpec, backoff: TaskInput['backoff']): TaskInput {
  return { runId, name: spec.name, retries: spec.retries, timeout: spec.timeout, rollbackTimeout: rollbackTimeoutOf(manifest, spec), backoff };
}

export function coordinatorInputOf(runId: string, manifest: Manifest): CoordinatorInput {
  return { runId, total: manifest.symbols.length, saga: manifest.rollback_policy === 'saga' };
}
