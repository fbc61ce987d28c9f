import type { CommitOutcome } from './run-lease.ts';
import type { BackgroundCommitResult, StoreBatch, SwarmStore } from './types.ts';

/**
 * Wraps a store so `committed` sees every batch once it is durable, with what the store
 * answered, whichever way it was written: `commit` here, or `commitInBackground` on the store's
 * writer thread. `overrides` stand in for other methods of the store; everything else passes
 * straight through to it.
 */
export function onCommitted(
  store: SwarmStore,
  committed: (batch: StoreBatch, outcome: CommitOutcome) => void,
  overrides: Partial<Record<keyof SwarmStore, unknown>> = {},
): SwarmStore {
  const commit = (batch: StoreBatch): CommitOutcome => {
    const outcome = store.commit(batch);
    committed(batch, outcome);
    return outcome;
  };
  const commitInBackground = (batch: StoreBatch, done: (result: BackgroundCommitResult) => void): void =>
    store.commitInBackground!(batch, (result) => {
      if (result.ok) committed(batch, result.outcome);
      done(result);
    });
  return new Proxy(store, {
    get(target, property) {
      if (property === 'commit') return commit;
      if (property === 'commitInBackground' && store.commitInBackground) return commitInBackground;
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof SwarmStore];
      const value = Reflect.get(target, property, target);
      // Methods run against the real store (its private fields are not on the proxy).
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
