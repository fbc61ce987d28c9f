import { expect, test } from 'bun:test';
import { errorResponse } from '../../src/server/http.ts';
import { PostgresUnavailableError } from '../../src/store/postgres/errors.ts';
import { DispatcherGaveUpError, StoreLockedError, storeWriteError } from '../../src/store/store-errors.ts';

/** What a client is told of the state database's failures: what to expect, never a path or a driver's words. */

const unreachable = new PostgresUnavailableError('postgres://swarm:secret@10.0.0.5/swarm', 'connection', 'connect ECONNREFUSED 10.0.0.5:5432');
const diskFull = storeWriteError('/var/lib/swarm/state.db', new Error('database or disk is full'));

async function answer(error: unknown) {
  const response = errorResponse(error);
  return { status: response.status, error: ((await response.json()) as { error: { code: string; message: string } }).error };
}

test('an unreachable database: 503, it keeps trying; nothing of the URL', async () => {
  const { status, error } = await answer(unreachable);
  expect(status).toBe(503);
  expect(error.code).toBe('STORE_UNAVAILABLE');
  expect(error.message).toContain('cannot be reached');
  expect(error.message.includes('10.0.0.5')).toBe(false);
});

test('a dispatcher that gave up says so and what to do, for an outage and for a refused write; nothing of the cause', async () => {
  const outage = await answer(new DispatcherGaveUpError(unreachable));
  expect(outage.status).toBe(503);
  expect(outage.error.message).toContain('longer than [dispatcher] db_outage_timeout');
  expect(outage.error.message).toContain('until it is restarted');
  const disk = await answer(new DispatcherGaveUpError(diskFull));
  expect(disk.error.message).toContain('refused a write');
  expect(disk.error.message.includes('/var/lib/swarm')).toBe(false);
  // A refused write as such stays the server's business.
  expect((await answer(diskFull)).error.message).toBe("The state database refused the operation; the server's log says why.");
});

test('a database another process holds locked: 503, try again once that process is done; nothing of the path', async () => {
  const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
  const { status, error } = await answer(new StoreLockedError('/var/lib/swarm/state.db', 5_000, busy));
  expect(status).toBe(503);
  expect(error.code).toBe('STORE_UNAVAILABLE');
  expect(error.message).toContain('locked by another process');
  expect(error.message).toContain('try again once it is done');
  expect(error.message.includes('/var/lib/swarm')).toBe(false);
});
