import type { ExecutionOutcome } from './execution.ts';
import { jsonProblem } from './json-limits.ts';

/**
 * A task's output must be JSON within the depth limit: it is journaled, stored, sent to
 * workers and handed to dependents. One that is not fails its attempt here, with a code of
 * its own and no retry (the same code returns the same value), instead of failing a journal
 * commit that holds other runs' rows too.
 */
export const OUTPUT_NOT_JSON = 'OUTPUT_NOT_JSON';

/**
 * The outcome as it may be stored: a success whose output JSON cannot hold becomes a failure.
 * With `normalize`, a good output is also replaced by its JSON round trip (a Date becomes its
 * string, a Map `{}`, undefined properties vanish), so dependents see exactly what is stored
 * and what a replay or a resumed run will see. Normalizing is for where the output is made
 * (a worker thread, a backend process), off the dispatcher's main thread.
 */
export function checkedOutcome(outcome: ExecutionOutcome, label: string, normalize = false): ExecutionOutcome {
  if (!outcome.ok) return outcome;
  const { output } = outcome;
  if (output === null || (typeof output !== 'object' && typeof output !== 'bigint')) return outcome;
  const problem = jsonProblem(output);
  if (problem) {
    return {
      ok: false,
      error: {
        name: 'OutputError',
        code: OUTPUT_NOT_JSON,
        message: `${label} returned an output that cannot be stored as JSON: ${problem.message}. Return plain JSON data.`,
      },
      retryable: false,
    };
  }
  if (!normalize) return outcome;
  const text = JSON.stringify(output);
  return { ok: true, output: text === undefined ? null : JSON.parse(text) };
}
