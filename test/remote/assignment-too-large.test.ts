import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { call, capturedLog, serverConfig, startServer, stopServers, waitForRunEnd } from '../server/helpers.ts';
import { connectWorker, stopWorkers, until } from './helpers.ts';

/**
 * An assignment is a frame like any other: one larger than `[security] max_message_size` (a
 * task whose dependencies' outputs add up past it) cannot be sent to a worker. It was dropped
 * silently and the attempt failed 15 s later with ACK_TIMEOUT, retried into the same wall. It
 * fails at once, not retried, naming the limit, with a warning in the dispatcher's log — as a
 * worker's outcome too large for a frame is reported (remote-worker.ts).
 */

setDefaultTimeout(60_000);
afterEach(async () => {
  await stopWorkers();
  await stopServers();
});

const BIG = join(import.meta.dir, '..', 'fixtures', 'modules', 'big-output.ts');
const LIMIT = 1_048_576;

/** Two outputs of 0.7 MB each (each fits a frame), and a task that depends on both (1.4 MB). */
const MANIFEST = `name: fan-in
symbols:
  - {name: left, type: action, parameters: {operation: module, module: ${JSON.stringify(BIG)}, bytes: 700000}}
  - {name: right, type: action, parameters: {operation: module, module: ${JSON.stringify(BIG)}, bytes: 700000}}
  - {name: join, type: action, dependencies: [left, right], retries: 3, parameters: {operation: noop}}
`;

describe('an assignment over max_message_size', () => {
  test('fails its attempt at once with ASSIGNMENT_TOO_LARGE naming [security] max_message_size, is not retried, and is logged', async () => {
    const captured = capturedLog();
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.security.max_message_size = LIMIT;
        c.coordinator.heartbeat_timeout = 15_000; // the ack deadline it used to wait out
      }),
      { log: captured.log },
    );
    const worker = connectWorker(server.port, 'w1');
    await until('the worker to register', () => worker.connected);
    const started = Date.now();
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: MANIFEST, format: 'yaml' } });
    const result = await waitForRunEnd(server, body.runId, 30_000);
    expect(result.status).toBe('failed');
    const join_ = result.tasks.find((t: { name: string }) => t.name === 'join');
    expect(join_.status).toBe('failed');
    expect(join_.attempts).toBe(1);
    expect(join_.error.code).toBe('ASSIGNMENT_TOO_LARGE');
    expect(join_.error.message).toMatch(
      /^The assignment of "join" \(attempt 1\) needs a \d+-byte frame, over \[security\] max_message_size \(1048576 bytes\): /,
    );
    expect(join_.error.message).toContain('raise [security] max_message_size');
    // At once: well inside the 15 s acknowledgement deadline it used to run into.
    expect(Date.now() - started).toBeLessThan(10_000);
    const warning = captured.warnings().find((l) => String(l.msg).includes('max_message_size'));
    expect(warning).toMatchObject({ worker: 'w1', type: 'assign', runId: body.runId, task: 'join', attempt: 1, limit: LIMIT });
    expect(warning!.bytes).toBeGreaterThan(LIMIT);
    // The worker is fine: it stays connected and runs what fits.
    expect(worker.connected).toBe(true);
    const small = await call(server, 'POST', '/api/runs', { body: { source: 'name: ok\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}}\n', format: 'yaml' } });
    expect((await waitForRunEnd(server, small.body.runId)).status).toBe('succeeded');
  });

  test("one that fits the dispatcher's limit but not the worker's smaller one fails the same way, naming the worker's limit", async () => {
    // Before, the worker dropped the frame it could not take, and the attempt failed 15 s later
    // with ACK_TIMEOUT, retried into the same wall. Its hello now says its limit.
    const captured = capturedLog();
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.security.max_message_size = 4 * LIMIT;
        c.coordinator.heartbeat_timeout = 15_000;
      }),
      { log: captured.log },
    );
    const worker = connectWorker(server.port, 'small', undefined, 2, { maxMessageSize: LIMIT });
    await until('the worker to register', () => worker.connected);
    const { body } = await call(server, 'POST', '/api/runs', { body: { source: MANIFEST, format: 'yaml' } });
    const result = await waitForRunEnd(server, body.runId, 30_000);
    const join_ = result.tasks.find((t: { name: string }) => t.name === 'join');
    expect(join_).toMatchObject({ status: 'failed', attempts: 1 });
    expect(join_.error.code).toBe('ASSIGNMENT_TOO_LARGE');
    expect(join_.error.message).toContain(`over the max_message_size of worker small (${LIMIT} bytes)`);
    const warning = captured.warnings().find((l) => String(l.msg).includes('max_message_size'));
    expect(warning).toMatchObject({ worker: 'small', task: 'join', limit: LIMIT });
    expect(worker.connected).toBe(true);
  });
});
