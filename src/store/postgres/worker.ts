/**
 * The PostgreSQL store's worker thread: it owns the connection pool (Bun.SQL, asynchronous) and
 * answers the main thread's calls one at a time. For each request on the port it posts the
 * reply, then writes the request's id into the shared status word and wakes the main thread,
 * which is blocked in Atomics.wait on that word (bridge.ts). Never imported by the main thread.
 */
import { SQL } from 'bun';
import { workerData, type MessagePort } from 'node:worker_threads';
import { toWireError } from './errors.ts';
import { applyPostgresMigrations } from './migrate.ts';
import { operations, type OperationImpls, type Track } from './worker-ops.ts';
import type { CancelRequest, Reply, Request, WorkerSettings } from './protocol.ts';

export interface WorkerData {
  settings: WorkerSettings;
  /** Int32 slot 0: the id of the last request answered. */
  status: SharedArrayBuffer;
  port: MessagePort;
}

/**
 * Reads change nothing, so one that met a dropped connection (the server restarted, or an
 * administrator ended it) is tried again, at most once per pooled connection (each may be dead),
 * plus one. Writes are not: one that failed this way is reported, as whether it landed is not
 * always knowable, and the dispatcher stops its runs as for any failed write.
 */
const RETRIED = new Set([
  'getRun', 'getRunListing', 'listRuns', 'listRunsByIdPrefix', 'listUnfinishedRunIds', 'getTasks', 'getTask', 'getTransitions', 'listNodes',
  'stateGet', 'getRunLease', 'counts',
]);

const { settings, status: statusBuffer, port } = workerData as WorkerData;
const status = new Int32Array(statusBuffer);
let sql: SQL | undefined;
let ops: OperationImpls | undefined;
/** The queries of the call being served, for a cancel. */
const inFlight = new Set<SQL.Query<unknown>>();
let cancelled = false;

const track: Track = (query) => {
  inFlight.add(query);
  const done = () => void inFlight.delete(query);
  // then(done, done), not finally(): a finally() chain would report the query's failure as an
  // unhandled rejection; the caller awaits the query itself.
  query.then(done, done);
  if (cancelled) query.cancel();
  return query;
};

port.on('message', (message: Request | CancelRequest) => {
  if ('cancel' in message) {
    // The main thread gave up waiting: stop what runs. The call then fails (or, if it finished
    // first, succeeds) and is answered as usual.
    cancelled = true;
    for (const query of inFlight) query.cancel();
    return;
  }
  void serve(message);
});

async function serve(request: Request): Promise<void> {
  cancelled = false;
  let reply: Reply;
  try {
    reply = { id: request.id, ok: true, value: await run(request) };
  } catch (err) {
    reply = { id: request.id, ok: false, error: toWireError(err) };
  }
  inFlight.clear();
  port.postMessage(reply);
  Atomics.store(status, 0, request.id);
  Atomics.notify(status, 0);
}

async function run(request: Request): Promise<unknown> {
  if (request.op === 'open') return open();
  if (request.op === 'close') {
    await sql?.close({ timeout: 1 });
    sql = undefined;
    return null;
  }
  if (!ops) throw new Error('the store is not open');
  const call = ops[request.op] as (...args: unknown[]) => Promise<unknown>;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(...request.args);
    } catch (err) {
      const wire = toWireError(err);
      const dropped = wire.kind === 'unavailable' && wire.sqlState !== '57014' && !/TIMEOUT|CANCEL|REFUSED/.test(wire.code ?? '');
      if (!dropped || cancelled || !RETRIED.has(request.op) || attempt >= settings.poolSize) throw err;
    }
  }
}

async function open(): Promise<{ schemaVersion: number }> {
  const url = new URL(settings.url);
  const database = decodeURIComponent(url.pathname.slice(1));
  // Opened again after a failed open: the earlier pool goes.
  await sql?.close({ timeout: 0 });
  ops = undefined;
  sql = new SQL(settings.url, {
    max: settings.poolSize,
    // Seconds. Connecting is bounded like a statement, so an unreachable server fails the call
    // with Bun's own error before the bridge's (longer) timeout gives up on the worker.
    connectionTimeout: Math.max(1, Math.ceil(settings.statementTimeoutMs / 1000)),
    // Bun lets PGDATABASE override the URL's database; the URL names the store, so it wins.
    ...(database !== '' && { database }),
    connection: {
      statement_timeout: settings.statementTimeoutMs,
      application_name: settings.applicationName,
      ...(settings.schema !== undefined && { search_path: settings.schema }),
    },
  });
  if (settings.schema !== undefined) {
    // Validated by the store as a plain identifier, so quoting it is enough.
    await track(sql.unsafe(`CREATE SCHEMA IF NOT EXISTS "${settings.schema}"`));
  }
  const [{ schema }] = await track(sql.unsafe<{ schema: string | null }[]>('SELECT current_schema() AS schema'));
  if (schema === null) {
    throw Object.assign(new Error('no schema to create the tables in: the search_path names no existing schema'), {
      errno: '3F000',
    });
  }
  const schemaVersion = await applyPostgresMigrations(sql);
  ops = operations(sql, track);
  return { schemaVersion };
}
