/**
 * Every error the swarm raises on purpose is a SwarmError: a stable `name`, a string `code`
 * and a message that says what to do next. The CLI maps codes to exit codes (see
 * `exitCodeFor`), and errors that cross a thread or a socket are flattened to
 * `{name, code, message, stack}` by `serializeError`.
 */
export type ErrorCode =
  | 'MANIFEST_INVALID'
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'RUN_NOT_FOUND'
  /** The run's state does not take the request now (a replay of a run still active): HTTP 409. */
  | 'RUN_STATE_CONFLICT'
  | 'STORE_UNAVAILABLE'
  | 'STORE_SCHEMA'
  /** The run's lease passed to another process: this one stopped hosting it (src/store/run-lease.ts). */
  | 'RUN_FENCED'
  | 'DISPATCHER_UNREACHABLE'
  /**
   * A request that must not be made twice (a deploy, replay or rollback) was sent to a
   * dispatcher that gave no answer: it may have been carried out (src/cli/dispatcher-client.ts).
   */
  | 'OUTCOME_UNKNOWN'
  /** Ctrl-C while following a run on a dispatcher: this command stopped; the run goes on there. */
  | 'FOLLOW_STOPPED'
  | 'TASK_FAILED'
  | 'TASK_TIMEOUT'
  | 'TASK_CANCELLED'
  | 'WORKER_CRASHED'
  | 'OPERATION_FAILED'
  /** A module's `state` or `log` call after its attempt ended (actors/executor/attempt-host.ts). */
  | 'ATTEMPT_ENDED'
  /** A `state` call with a key that is not a non-empty string, or no value (src/state-keys.ts). */
  | 'STATE_CALL_INVALID'
  /** Re-simulating a run's journal did not reproduce it (actors/journal/simulation/). */
  | 'JOURNAL_DIVERGED'
  /** A machine uses a feature the compiled task engine refuses (src/statechart/). */
  | 'MACHINE_NOT_COMPILABLE';

export class SwarmError extends Error {
  override name = 'SwarmError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Where in a manifest a problem is; every field is optional because parsers know different things. */
export interface ManifestIssue {
  file?: string;
  line?: number;
  column?: number;
  symbol?: string;
  field?: string;
  message: string;
}

export function formatIssue(issue: ManifestIssue): string {
  let where = issue.file ?? '<manifest>';
  if (issue.line !== undefined) where += `:${issue.line}`;
  if (issue.line !== undefined && issue.column !== undefined) where += `:${issue.column}`;
  const subject = [
    issue.symbol !== undefined ? `symbol "${issue.symbol}"` : undefined,
    issue.field !== undefined ? `field "${issue.field}"` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return `${where}: ${subject ? subject + ': ' : ''}${issue.message}`;
}

export class ManifestError extends SwarmError {
  override name = 'ManifestError';
  /** Problems only, the first ones when there are many; `problems` says how many in all. */
  readonly issues: ManifestIssue[];
  /** Problems found: more than `issues` when only the first are listed (the message's last line counts the rest). */
  readonly problems: number;
  constructor(issues: ManifestIssue[], problems = issues.length) {
    const rest = problems - issues.length;
    super(
      'MANIFEST_INVALID',
      `Invalid manifest (${problems} problem${problems === 1 ? '' : 's'}); fix these and run again:\n` +
        issues.map((i) => '  ' + formatIssue(i)).join('\n') +
        (rest > 0 ? `\n  and ${rest} more problem${rest === 1 ? '' : 's'} not listed (only the first ${issues.length} are); fix these and validate again` : ''),
    );
    this.issues = issues;
    this.problems = problems;
  }
}

/**
 * One config problem and where its value came from: `env`, the environment variable that set
 * it; else `file`, the config file; else `defaults`, the built-in defaults (the CLI read no
 * file); none of them: a config given in code. The CLI fills `file` or `defaults` in for
 * problems found once the config is in use (src/cli/config-source.ts).
 */
export interface ConfigIssue {
  file?: string;
  env?: string;
  defaults?: true;
  key: string;
  message: string;
}

/** Where a config problem is, as its line starts. */
function configIssueWhere(issue: ConfigIssue): string {
  if (issue.env !== undefined) return issue.key === issue.env ? `environment variable ${issue.env}` : `environment variable ${issue.env}: ${issue.key}`;
  const where = issue.file ?? (issue.defaults ? 'built-in defaults (no config file)' : '(no config file)');
  return `${where}: ${issue.key}`;
}

export class ConfigError extends SwarmError {
  override name = 'ConfigError';
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(
      'CONFIG_INVALID',
      `Invalid configuration; fix these keys and run again:\n` + issues.map((i) => `  ${configIssueWhere(i)}: ${i.message}`).join('\n'),
    );
    this.issues = issues;
  }
}

export class UsageError extends SwarmError {
  override name = 'UsageError';
  constructor(message: string) {
    super('USAGE', message);
  }
}

/**
 * A run its dispatcher stopped hosting while it was still rolling back, because the dispatcher
 * was stopping (a cancel does not stop rollbacks): it stays unfinished in the database, for
 * `swarm run --resume` or another dispatcher to finish.
 */
export class RunLeftUnfinishedError extends SwarmError {
  override name = 'RunLeftUnfinishedError';
  /** `resume`: the command as the dispatcher's hints write it (its config and database). */
  constructor(runId: string, resume = `swarm run --resume ${runId}`) {
    super(
      'TASK_CANCELLED',
      `Run ${runId} was rolling back when its dispatcher stopped: it is left unfinished in the database; ` +
        `\`${resume}\` (or another dispatcher on that database) finishes its rollbacks.`,
    );
  }
}

export class RunNotFoundError extends SwarmError {
  override name = 'RunNotFoundError';
  constructor(runId: string) {
    super('RUN_NOT_FOUND', `No run "${runId}" in the state database; list runs with \`swarm runs\`.`);
  }
}

/** A request the run's state does not take now; the message says what to do instead (wait, cancel). */
export class RunStateConflictError extends SwarmError {
  override name = 'RunStateConflictError';
  constructor(message: string) {
    super('RUN_STATE_CONFLICT', message);
  }
}

export class StoreUnavailableError extends SwarmError {
  override name = 'StoreUnavailableError';
  constructor(path: string, cause: unknown) {
    super(
      'STORE_UNAVAILABLE',
      `Cannot open the state database at ${path}: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        `Check the path (--db or [dispatcher] state_db_path) and its permissions.`,
      { cause },
    );
  }
}

export class TaskTimeoutError extends SwarmError {
  override name = 'TaskTimeoutError';
  constructor(symbol: string, timeoutMs: number) {
    super(
      'TASK_TIMEOUT',
      `Symbol "${symbol}" timed out after ${timeoutMs} ms; raise its \`timeout\` or make the operation faster.`,
    );
  }
}

/**
 * An error as it crosses a thread or a socket boundary, and as it is stored and shown (`run
 * --json`, `show`, the HTTP API, the dashboard, `history`). Its `code` is always a string; see
 * errorCode.
 */
export interface SerializedError {
  name: string;
  message: string;
  code: string;
  stack?: string;
}

/** The code of an error that has none of its own (an Error without one, a thrown string). */
export const UNKNOWN_ERROR_CODE = 'UNKNOWN';

/**
 * An error's `code` as the swarm keeps it: a non-empty string as it is, a number (`e.code = 7`)
 * or a BigInt as its digits ("7"), anything else (none, an object, an empty string) UNKNOWN.
 */
export function errorCode(code: unknown): string {
  if (typeof code === 'string' && code !== '') return code;
  if ((typeof code === 'number' && Number.isFinite(code)) || typeof code === 'bigint') return String(code);
  return UNKNOWN_ERROR_CODE;
}

/**
 * An error read back from where it was kept or sent (a database row, a journal payload, an
 * outcome from a worker or an older swarm), with a code as errorCode says; null for a value
 * that is not an object (no error).
 */
export function storedError(value: unknown): SerializedError | null {
  if (value === null || typeof value !== 'object') return null;
  const { name, code, message, stack } = value as Record<string, unknown>;
  return {
    name: typeof name === 'string' ? name : 'Error',
    code: errorCode(code),
    message: typeof message === 'string' ? message : message === undefined || message === null ? '' : valueText(message),
    ...(typeof stack === 'string' ? { stack } : {}),
  };
}

export function serializeError(err: unknown): SerializedError {
  // Never throws: a thrown value is user code's (a module's), and reading it may throw too (a
  // getter, a Proxy's trap); that escaped the worker thread's catch and took the thread down
  // with every other attempt it ran.
  try {
    if (err instanceof Error) {
      const code = (err as { code?: unknown }).code;
      const stack = err.stack;
      return {
        name: String(err.name),
        message: String(err.message),
        code: errorCode(code),
        ...(stack ? { stack: String(stack) } : {}),
      };
    }
    return { name: 'Error', code: UNKNOWN_ERROR_CODE, message: typeof err === 'string' ? err : valueText(err) };
  } catch (readError) {
    let why: string;
    try {
      why = readError instanceof Error ? String(readError.message) : String(readError);
    } catch {
      why = 'reading it threw as well';
    }
    return { name: 'Error', code: UNKNOWN_ERROR_CODE, message: `a thrown value that could not be read (${why})` };
  }
}

/**
 * A value that is not a string (a thrown value that is not an Error, a log message), as text:
 * JSON when it has one (a BigInt, a cycle, a Symbol have none), else String(). Never throws.
 */
export function valueText(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text;
  } catch {
    // not JSON: below
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value); // an object without toString (null prototype)
  }
}

/** Exit codes of the CLI contract: 0 ok, 1 workflow failed, 2 bad input, 3 unreachable. */
export function exitCodeFor(err: unknown): 1 | 2 | 3 {
  if (err instanceof SwarmError) {
    switch (err.code) {
      case 'MANIFEST_INVALID':
      case 'CONFIG_INVALID':
      case 'USAGE':
      case 'RUN_NOT_FOUND':
      case 'RUN_STATE_CONFLICT':
        return 2;
      case 'STORE_UNAVAILABLE':
      case 'STORE_SCHEMA':
      case 'DISPATCHER_UNREACHABLE':
      case 'OUTCOME_UNKNOWN':
      // The run goes on in another process; this one could not see it through.
      case 'RUN_FENCED':
        return 3;
      default:
        return 1;
    }
  }
  return 1;
}
