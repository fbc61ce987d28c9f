import type { ExecutionRequest } from '../../src/execution.ts';
import { toDispatcher, toWorker, type ToDispatcherMessage, type ToWorkerMessage } from '../../src/protocol/index.ts';

/** One request with every field set, non-ASCII text included (UTF-8 paths). */
export const sampleRequest: ExecutionRequest = {
  runId: 'run-1',
  task: 'fetch_posts',
  attempt: 2,
  kind: 'run',
  symbol: {
    name: 'fetch_posts',
    type: 'query',
    context: 'wordpress',
    dispatch: 'php_engine',
    parameters: { per_page: 20, title: 'Café ☕ 日本', nested: { list: [1, 'two', null, true] } },
    timeout: 30_000,
  },
  dependencies: { login: { token: 'x' }, nothing: null },
  baseDir: '/srv/workflows',
};

export const sampleRollback: ExecutionRequest = {
  ...sampleRequest,
  kind: 'rollback',
  attempt: 0,
  symbol: { ...sampleRequest.symbol, name: 'undo_fetch', dispatch: 'internal', parameters: {} },
  dependencies: {},
  baseDir: null,
};

/** A lease as the dispatcher issues them (opaque base64url), numbered for reading. */
export const lease = (n: number): string => `lease-${String(n).padStart(16, '0')}`;

/** At least one of every worker → dispatcher message type (built with the factories). */
export const toDispatcherSamples: ToDispatcherMessage[] = [
  toDispatcher.hello({ name: 'worker-1', capabilities: ['internal', 'php_engine'], capacity: 4 }),
  toDispatcher.hello({
    name: 'worker-2',
    capabilities: [],
    capacity: 1,
    token: 's3cret',
    session: 'c2Vzc2lvbi1zZWNyZXQtMTI',
    resume: [{ key: 'run-1/a/run/1', lease: lease(7) }],
    features: ['withdraw'],
  }),
  toDispatcher.heartbeat(3),
  toDispatcher.started('run-1/fetch_posts/run/2', lease(12)),
  toDispatcher.returned('run-1/fetch_posts/run/3', lease(13)),
  toDispatcher.outcome('run-1/fetch_posts/run/2', lease(12), { ok: true, output: { posts: [1, 2, 3], note: 'ünïcode' } }),
  toDispatcher.outcome('run-1/fetch_posts/run/2', lease(12), { ok: true, output: null }),
  toDispatcher.outcome('run-1/fetch_posts/run/2', lease(13), {
    ok: false,
    error: { name: 'SwarmError', message: 'boom', code: 'TASK_TIMEOUT', stack: 'Error: boom\n    at x' },
    retryable: true,
  }),
  toDispatcher.outcome('k', lease(1), { ok: false, error: { name: 'Error', code: 'E_BAD', message: 'bad' }, retryable: false }),
  toDispatcher.draining(),
  toDispatcher.capabilities(['internal', 'php_engine']),
  toDispatcher.stateGet(0, 'counter'),
  toDispatcher.stateSet(1, 'counter', { n: 42 }),
  toDispatcher.log('warn', 'disk almost full', { free: 10 }),
  toDispatcher.log('verbose', 'no fields'),
];

/** At least one of every dispatcher → worker message type. */
export const toWorkerSamples: ToWorkerMessage[] = [
  toWorker.welcome('node-7', 5000, 1_048_576, 'c2Vzc2lvbi1zZWNyZXQtMTI'),
  toWorker.assign(lease(12), sampleRequest, 10_000),
  toWorker.assign(lease(13), sampleRollback, 1),
  toWorker.abort('run-1/fetch_posts/run/2', 'timed out'),
  toWorker.withdraw(),
  toWorker.accepted('run-1/fetch_posts/run/1', lease(11)),
  toWorker.refused('run-1/fetch_posts/run/2', lease(12), 'the attempt was reassigned after the node was lost'),
  toWorker.stateResult(0, [1, 2]),
  toWorker.stateResult(1, null),
  toWorker.stateError(2, { name: 'StoreUnavailableError', message: 'database is locked', code: 'STORE_UNAVAILABLE' }),
  toWorker.error('FRAME_MALFORMED', 'messages[2].lease: expected number'),
  toWorker.shutdown(30_000),
  toWorker.shutdown(0),
];
