import { constants, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import { LOG_LEVELS, type LogFormat, type LogLevel } from './config/log-levels.ts';
import { ConfigError } from './errors.ts';
import { describePathError } from './path-problems.ts';
import { FdLogSink } from './log-sink.ts';
import { jsonForTerminal, terminalText } from './terminal-text.ts';

/**
 * The swarm's logging: pino with one extra level, `verbose`, below debug. Console output goes to
 * stderr (stdout belongs to command output and --json), pretty-printed in-process for "text" or
 * as JSON lines for "json"; the log file, when set, always gets JSON lines.
 *
 * Modules take their logger once, at import (`const log = Logger.get('coordinator')`), before
 * the CLI has read the config. So there is one root logger for the life of the process, and
 * `configure` changes what it does in place: pino children inherit the root's level through
 * their prototype, and the root writes to one destination object (`sink`) whose targets are
 * swapped. Nothing a module holds goes stale.
 */

export type { LogFormat, LogLevel } from './config/log-levels.ts';
export { LOG_LEVELS } from './config/log-levels.ts';

/** A component's logger: pino's API plus `verbose(...)`. */
export type SwarmLogger = pino.Logger<'verbose'>;

export interface LoggerOptions {
  level?: LogLevel;
  /** Write to the console (stderr). */
  console?: boolean;
  /** Console format; the file is JSON lines either way. */
  format?: LogFormat;
  /** A file to append JSON lines to; '' for none. Parent directories are created. */
  file?: string;
  /** Where console output goes instead of stderr (for embedding the swarm, and for tests). */
  consoleStream?: pino.DestinationStream;
}

const CUSTOM_LEVELS = { verbose: 15 };

/**
 * Secrets never reach a log: these keys at the top level and one level down, plus the token
 * keys of a whole config logged as `config`. Every extra wildcard level costs several
 * microseconds per logged line (measured), so deeper nesting is not searched.
 */
const SECRET_KEYS = ['auth_token', 'authToken', 'api_key', 'apiKey', 'token', 'authorization'];
const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
  'config.dispatcher.auth_token',
  'config.worker.auth_token',
  'config.security.api_key',
];

/**
 * The root logger's only destination. pino tells a destination flagged with
 * Symbol.for('pino.metadata') each line's level (documented pino API); the sink passes it on to
 * the current multistream, which needs it to route the line.
 */
const sink = {
  [Symbol.for('pino.metadata')]: true,
  lastLevel: 0,
  target: pino.multistream<'verbose'>([]),
  write(line: string) {
    (this.target as unknown as { lastLevel: number }).lastLevel = this.lastLevel;
    this.target.write(line);
  },
};

const root: SwarmLogger = pino(
  {
    level: 'info',
    customLevels: CUSTOM_LEVELS,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // An error's cause as an object of its own (with its stack), not its message glued onto
    // the error's: the console shows the swarm's own message as it was written.
    serializers: { err: pino.stdSerializers.errWithCause },
  },
  sink,
);

type Settings = Required<Omit<LoggerOptions, 'consoleStream'>> & Pick<LoggerOptions, 'consoleStream'>;
let settings: Settings = { level: 'info', console: true, format: 'text', file: '' };

type LogFile = { path: string; stream: FdLogSink };

/** Created once and never ended: closing the process's stderr would silence everyone. */
let stderr: FdLogSink | undefined;
let logFile: LogFile | undefined;

/**
 * Formats one JSON log line for a human: time, component, message, then the fields. Its text
 * (a module's message, a worker's fields) shows control characters as `\xNN` escapes, as the
 * rest of the console does: pino-pretty would drop them, and a line would read as something
 * other than what was logged.
 */
export function prettyLogLine(colorize: boolean): (line: string) => string {
  const pretty = prettyFactory({
    colorize,
    customLevels: CUSTOM_LEVELS,
    customColors: 'verbose:gray',
    useOnlyCustomProps: false,
    ignore: 'pid,hostname,component',
    messageFormat: '{if component}{component}: {end}{msg}',
    translateTime: 'SYS:HH:MM:ss.l',
    customPrettifiers: { err: errorOnConsole },
  });
  return (line) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return pretty(line); // not JSON: pino-pretty prints it as it is
    }
    const visible = withVisibleControls(parsed) as Record<string, unknown>;
    // A message's further lines are indented as its fields are: none passes for a line of its
    // own (a workflow's `log` operation, or a worker's log frame, could forge a dispatcher line).
    if (typeof visible.msg === 'string') visible.msg = visible.msg.replace(/\n/g, `\n${CONTINUATION}`);
    return pretty(visible);
  };
}

/** How pino-pretty indents a line's fields; a message's further lines get the same. */
const CONTINUATION = '    ';

/** Every string and key in a parsed log line with its control characters escaped (terminal-text.ts). */
function withVisibleControls(value: unknown): unknown {
  if (typeof value === 'string') return terminalText(value, false);
  if (Array.isArray(value)) return value.map(withVisibleControls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [terminalText(key, false), withVisibleControls(inner)]));
}

/**
 * An error on the console: one of the swarm's own (it has a code, and its message says what
 * happened and what to do) as its message alone; anything else with its stack, which is what
 * a bug report needs. The log file keeps every stack either way.
 */
const BUILT_IN_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError']);

function errorOnConsole(value: unknown): string {
  const err = value as { type?: unknown; code?: unknown; message?: unknown; stack?: unknown };
  if (typeof err !== 'object' || err === null) return String(value);
  // A language error (TypeError, …) is a bug whatever code it carries (Node's ERR_…): its stack shows.
  const own = typeof err.code === 'string' && /^[A-Z][A-Z_]+$/.test(err.code) && !BUILT_IN_ERRORS.has(String(err.type));
  if (own && typeof err.message === 'string') return `${err.message} (${err.code})`;
  return typeof err.stack === 'string' ? err.stack : String(err.message);
}

function consoleDestination(options: Settings): pino.DestinationStream {
  const out = options.consoleStream ?? (stderr ??= new FdLogSink(2, () => {})); // a failing stderr has no one to tell
  const writing = (shown: (line: string) => string) =>
    ({ write: (line: string) => out.write(shown(line)), flushSync: () => (out as { flushSync?: () => void }).flushSync?.() }) as pino.DestinationStream;
  // Log lines carry text from manifests and tasks: no control sequence of theirs reaches the terminal.
  if (options.format === 'json') return writing(jsonForTerminal);
  const colours = options.consoleStream === undefined && process.stderr.isTTY === true && (process.env.NO_COLOR ?? '') === '' && process.env.TERM !== 'dumb';
  const prettify = prettyLogLine(colours);
  // pino-pretty as a plain function, not its transform stream or a worker transport, so a line
  // is on the terminal before the call that logged it returns.
  return writing((line) => terminalText(prettify(line), colours));
}

/** The log file for `path`: the open one when the path is unchanged, else newly opened. */
function openLogFile(path: string): LogFile {
  if (logFile?.path === path) return logFile;
  let fd: number;
  // Made first when missing; a failure counts only if the open then fails for want of it.
  let mkdirError: unknown;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    mkdirError = err;
  }
  try {
    // Opened here, so a bad path fails `configure` itself rather than a later write. O_NONBLOCK:
    // a FIFO without a reader fails here (ENXIO) instead of blocking the open, and a full one
    // cannot block a write; regular files ignore the flag.
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o644);
  } catch (err) {
    const missingDirectory = mkdirError !== undefined && (err as NodeJS.ErrnoException).code === 'ENOENT';
    // mkdir's ENOENT: a file system that makes no directories there (/proc).
    const why = missingDirectory
      ? `its directory ${dirname(path)} cannot be made (${(mkdirError as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file system refuses to create it' : describePathError(mkdirError, dirname(path))})`
      : describePathError(err, path);
    throw new ConfigError([{ key: 'logging.file', message: `cannot open ${path}: ${why}; set it to a file this user can write, or "" for no log file` }]);
  }
  // Synchronous writes: a line is in the file when the call returns, so a crash loses nothing.
  // A failing disk must neither crash nor block the swarm: warn once, drop lines, keep going.
  const stream = new FdLogSink(fd, (err) => {
    process.stderr.write(
      `swarm: cannot write the log file ${path} (${err.message}); its lines are dropped until writing works again. ` +
        `Free space on its disk or make it writable, or set [logging] file to another path ("" for none).\n`,
    );
  });
  return { path, stream };
}

/** Fields given as `undefined` keep their current value, like fields left out. */
function definedOnly(options: LoggerOptions): Partial<Settings> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function configure(options: LoggerOptions = {}): void {
  const next: Settings = { ...settings, ...definedOnly(options) };
  if (!LOG_LEVELS.includes(next.level)) {
    throw new ConfigError([{ key: 'logging.level', message: `expected one of ${LOG_LEVELS.join(', ')} (got ${String(next.level)})` }]);
  }
  // Everything that can fail happens before the switch, so a failed call changes nothing.
  const nextFile = next.file === '' ? undefined : openLogFile(next.file);
  // Per-stream levels are all "verbose": the root's level is the one filter, and it is cheap
  // (pino replaces disabled level methods with no-ops).
  const streams: pino.StreamEntry<'verbose'>[] = [];
  if (next.console) streams.push({ level: 'verbose', stream: consoleDestination(next) });
  if (nextFile) streams.push({ level: 'verbose', stream: nextFile.stream });
  sink.target.flushSync();
  sink.target = pino.multistream(streams, { levels: CUSTOM_LEVELS });
  if (logFile !== undefined && logFile !== nextFile) logFile.stream.close();
  logFile = nextFile;
  root.level = next.level;
  settings = next;
}

/**
 * The process-wide logger. `configure` takes the [logging] section's fields (all optional; fields
 * left out keep their current value; before any call: info, console on, text, no file) and may
 * be called again at any time. `get(component)` returns a child logger tagged `component`.
 * `flush()` writes out anything buffered (call it before `process.exit`); `close()` flushes and
 * closes the log file, leaving console logging on.
 */
export const Logger = {
  configure,
  get(component?: string): SwarmLogger {
    return component === undefined ? root : root.child({ component });
  },
  flush(): void {
    sink.target.flushSync();
  },
  close(): void {
    configure({ file: '' });
  },
};

configure();
