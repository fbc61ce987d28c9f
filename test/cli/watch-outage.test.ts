import { afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { PassThrough } from 'node:stream';
import { watchRun } from '../../src/cli/watch/watch-session.ts';
import { PostgresUnavailableError } from '../../src/store/postgres/errors.ts';
import type { SwarmStore } from '../../src/store/types.ts';
import { makeHarness, manifest, stopHarnesses, sym, waitFor, withTimeout } from '../runtime/helpers.ts';

/**
 * `swarm watch` while the database does not answer (a PostgreSQL outage): the view says so once
 * and keeps polling; when the database answers again the view comes back. Before, every poll
 * threw out of its timer (Bun printed the stack each time). In-process, on a fake terminal.
 */

setDefaultTimeout(30_000);
afterEach(stopHarnesses);

test('swarm watch during a database outage says it is still trying, once, and draws the run again after', async () => {
  const h = makeHarness();
  const result = await h.run(manifest('watched', [sym('a', { parameters: { operation: 'noop' } })]));
  let down = false;
  let refused = 0;
  const unavailable = new PostgresUnavailableError('postgres://127.0.0.1/x', 'connection', 'the connection was closed (a test)');
  const store = new Proxy(h.store, {
    get(target, key, receiver) {
      if (key === 'getTransitions' && down) {
        return () => {
          refused++;
          throw unavailable;
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as SwarmStore;
  const input = new PassThrough();
  const output = Object.assign(new PassThrough(), { columns: 100, rows: 30 });
  let screen = '';
  output.on('data', (chunk: Buffer) => (screen += chunk.toString()));
  const watching = watchRun(store, h.store.getRun(result.runId)!, { input, output } as never, { base: 5, max: 20 });

  await waitFor(() => screen.includes('[LIVE]'), 'the live view');
  down = true;
  // Cut to the terminal's 100 columns: what matters comes first.
  const said = /the state database did not answer; still trying… \(The PostgreSQL state database/;
  await waitFor(() => said.test(screen), 'the outage line');
  // Several polls later it has said so only once (and printed no stack).
  const polled = refused;
  await waitFor(() => refused >= polled + 3, 'three more polls');
  const afterOutage = screen.length;
  down = false;
  await waitFor(() => screen.slice(afterOutage).includes('[LIVE]'), 'the view drawn again');
  expect([...screen.matchAll(new RegExp(said.source, 'g'))]).toHaveLength(1);
  expect(screen).not.toContain('at getTransitions');
  input.write('q');
  await withTimeout(watching, 5_000, 'watch to end on q');
});

test('a terminal that says it is 0×0 (a pty nobody sized) gets the view drawn at the usual size, not nothing', async () => {
  const h = makeHarness();
  const result = await h.run(manifest('unsized', [sym('a', { parameters: { operation: 'noop' } })]));
  const input = new PassThrough();
  const output = Object.assign(new PassThrough(), { columns: 0, rows: 0 });
  let screen = '';
  output.on('data', (chunk: Buffer) => (screen += chunk.toString()));
  const watching = watchRun(h.store, h.store.getRun(result.runId)!, { input, output } as never, { base: 5, max: 20 });
  await waitFor(() => screen.includes('unsized'), 'the view');
  input.write('q');
  await withTimeout(watching, 5_000, 'watch to end on q');
});
