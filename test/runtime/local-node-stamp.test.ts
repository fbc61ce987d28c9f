import { afterEach, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from 'xstate';
import { Dispatcher } from '../../actors/dispatcher.ts';
import { LOCAL_NODES_SEEN_EVERY_MS } from '../../actors/dispatcher-nodes.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { silentLogger, testConfig, waitFor, withTimeout } from './helpers.ts';

setDefaultTimeout(30_000);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

test("an idle dispatcher keeps its local node's row seen, so clean-ups of old node rows spare it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-node-rows-'));
  const store = new SqliteStore(join(dir, 'state.db'));
  const clock = new SimulatedClock();
  let now = 1_000_000;
  const dispatcher = new Dispatcher({ config: testConfig({}, join(dir, 'state.db')), store, logger: silentLogger, clock, now: () => now });
  cleanups.push(async () => {
    await withTimeout(dispatcher.stop(), 20_000, 'dispatcher.stop()');
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  dispatcher.start();
  const local = () => store.listNodes().find((n) => n.id === 'local');
  await waitFor(() => local() !== undefined, 'the local node row');
  const first = local()!.lastSeenAt;

  // A day passes with no work: no transition of the node, but a stamp a minute.
  for (let minutes = 1; minutes <= 3; minutes++) {
    now += LOCAL_NODES_SEEN_EVERY_MS;
    clock.increment(LOCAL_NODES_SEEN_EVERY_MS);
    await waitFor(() => local()?.lastSeenAt === now, `the node row stamped after ${minutes} minute(s)`);
  }
  expect(local()!.lastSeenAt).toBe(first + 3 * LOCAL_NODES_SEEN_EVERY_MS);

  // What `swarm prune` or the daily clean-up deletes: rows not seen since a time. The live
  // node's row is newer than any such cutoff but "now", and one deleted anyway comes back.
  expect(store.deleteNodesLastSeenBefore(now - 1)).toBe(0);
  expect(store.deleteNodesLastSeenBefore(now + 1)).toBe(1);
  expect(local()).toBeUndefined();
  now += LOCAL_NODES_SEEN_EVERY_MS;
  clock.increment(LOCAL_NODES_SEEN_EVERY_MS);
  await waitFor(() => local()?.lastSeenAt === now, 'the deleted node row written again');
});
