import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { join } from 'node:path';
import { call, serverConfig, startServer, stopServers, waitForRunEnd } from '../server/helpers.ts';
import { connectWorker, stopWorkers, until } from './helpers.ts';

/**
 * A worker's frames must fit the dispatcher's `[security] max_message_size`, which its
 * `welcome` names, not only the worker's own (here 1 MiB against the dispatcher's 64 KiB).
 * Before, an outcome between the two was sent: the dispatcher closed the connection on it, the
 * attempt failed NODE_LOST, and the worker sent the same outcome again at every reconnect.
 */

setDefaultTimeout(60_000);
afterEach(async () => {
  await stopWorkers();
  await stopServers();
});

const BIG = join(import.meta.dir, '..', 'fixtures', 'modules', 'big-output.ts');
const LIMIT = 65_536;

describe("an outcome over the dispatcher's max_message_size but within the worker's", () => {
  test('fails its attempt on the worker, naming the limit; the worker stays connected', async () => {
    const server = startServer(
      serverConfig((c) => {
        c.dispatcher.local_workers = 0;
        c.security.max_message_size = LIMIT;
      }),
    );
    const worker = connectWorker(server.port, 'w1');
    await until('the worker to register', () => worker.connected);
    const source = `name: big\nsymbols:\n  - {name: big, type: action, retries: 2, parameters: {operation: module, module: ${JSON.stringify(BIG)}, bytes: 200000}}\n`;
    const { body } = await call(server, 'POST', '/api/runs', { body: { source, format: 'yaml' } });
    const result = await waitForRunEnd(server, body.runId, 30_000);
    const big = result.tasks[0];
    expect(big).toMatchObject({ status: 'failed', attempts: 1 });
    expect(big.error).toMatchObject({ name: 'MessageTooLargeError', code: 'MESSAGE_TOO_LARGE' });
    expect(big.error.message).toStartWith(`An "outcome" message needs a `);
    expect(big.error.message).toContain(`${LIMIT}`);
    expect(worker.connected).toBe(true);
    const small = await call(server, 'POST', '/api/runs', { body: { source: 'name: ok\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}}\n', format: 'yaml' } });
    expect((await waitForRunEnd(server, small.body.runId)).status).toBe('succeeded');
  });
});
