import { RunNotFoundError, UsageError } from './errors.ts';
import type { SwarmStore } from './store/types.ts';

/** Runs listed when a prefix names several. */
const AMBIGUOUS_SHOWN = 10;

/**
 * The full id of the run `ref` names: an exact run id, else the one run whose id starts with
 * `ref` (ids begin with their creation time, so a short prefix is often enough). No match is a
 * RunNotFoundError, several are a UsageError listing them. The CLI and the dispatcher's HTTP
 * API read run references the same way.
 */
export function resolveRunRef(store: Pick<SwarmStore, 'getRunListing' | 'listRunsByIdPrefix'>, ref: string): string {
  if (store.getRunListing(ref)) return ref;
  // One more than is shown, to know whether there are more.
  const matches = ref === '' ? [] : store.listRunsByIdPrefix(ref, AMBIGUOUS_SHOWN + 1);
  if (matches.length === 1) return matches[0].id;
  if (matches.length === 0) throw new RunNotFoundError(ref);
  const shown = matches.slice(0, AMBIGUOUS_SHOWN).map((run) => `  ${run.id}  ${run.name}  ${run.status}`);
  const count = matches.length > AMBIGUOUS_SHOWN ? `more than ${AMBIGUOUS_SHOWN}` : String(matches.length);
  if (matches.length > AMBIGUOUS_SHOWN) shown.push('  …');
  throw new UsageError(`"${ref}" matches ${count} runs; give more of the id:\n${shown.join('\n')}`);
}
