import type { ExecutionOutcome } from './execution.ts';
import { errorCode, serializeError, type SerializedError } from './errors.ts';
import { jsonProblem } from './json-limits.ts';

/**
 * A task's output must be JSON within the depth limit: it is journaled, stored, sent to
 * workers and handed to dependents. One that is not fails its attempt here, with a code of
 * its own and no retry (the same code returns the same value), instead of failing a journal
 * commit that holds other runs' rows too.
 */
export const OUTPUT_NOT_JSON = 'OUTPUT_NOT_JSON';

/**
 * The outcome as it may be stored: a success whose output JSON cannot hold becomes a failure;
 * a failure's error gets a string code if it had none.
 * With `normalize`, a good output is also replaced by its JSON round trip (a Date becomes its
 * string, a Map `{}`, undefined properties vanish), so dependents see exactly what is stored
 * and what a replay or a resumed run will see. Normalizing is for where the output is made
 * (a worker thread, a backend process), off the dispatcher's main thread.
 */
export function checkedOutcome(outcome: ExecutionOutcome, label: string, normalize = false): ExecutionOutcome {
  if (!outcome.ok) {
    // Every error stored and shown has a string code (errorCode): one made elsewhere (a test's
    // node, an older worker) may have none.
    const code = errorCode(outcome.error.code);
    const error = wellFormedError(code === outcome.error.code ? outcome.error : { ...outcome.error, code });
    return error === outcome.error ? outcome : { ...outcome, error };
  }
  const { output } = outcome;
  if (output === null || (typeof output !== 'object' && typeof output !== 'bigint' && typeof output !== 'string')) return outcome;
  const problem = jsonProblem(output);
  if (problem) return notJson(label, problem.message);
  if (!normalize) return outcome;
  let text: string | undefined;
  try {
    text = JSON.stringify(output);
  } catch (err) {
    // It read well a moment ago: a getter or a toJSON that throws on its second call.
    return notJson(label, `a value that could not be read (reading it threw: ${serializeError(err).message})`);
  }
  return { ok: true, output: text === undefined ? null : JSON.parse(text) };
}

/**
 * The error with a lone UTF-16 surrogate in its text shown as U+FFFD, as a UTF-8 decoder shows
 * a bad byte: an error is read by people, and refusing it would lose the failure it reports
 * (an output with one is refused instead: dependents would get something else than was made).
 */
function wellFormedError(error: SerializedError): SerializedError {
  const texts = ['name', 'message', 'code', 'stack'] as const;
  // Not every error is built here: a worker's frame may give a field that is no string.
  const isBad = (text: unknown) => typeof text === 'string' && !text.isWellFormed();
  if (!texts.some((key) => isBad(error[key]))) return error;
  const fixed = { ...error };
  for (const key of texts) if (isBad(fixed[key])) fixed[key] = fixed[key]!.toWellFormed();
  return fixed;
}

function notJson(label: string, problem: string): ExecutionOutcome {
  return {
    ok: false,
    error: {
      name: 'OutputError',
      code: OUTPUT_NOT_JSON,
      message: `${label} returned an output that cannot be stored as JSON: ${problem}. Return plain JSON data.`,
    },
    retryable: false,
  };
}
