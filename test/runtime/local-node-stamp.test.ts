import { afterEach, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from 'xstate';
import { Dispatcher } from '../../actors/dispatcher.ts';
import { LOCAL_NODES_SEEN_EVERY_MS } from '../../actors/dispatcher-nodes.ts';
import type { SwarmConfig } from '../../src/config/schema.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { fixture, prepareFixtures } from '../backends/helpers.ts';
import { silentLogger, testConfig, waitFor, withTimeout } from './helpers.ts';

setDefaultTimeout(30_000);
beforeAll(prepareFixtures);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/**
 * An idle dispatcher on a SQLite file, on a simulated clock: `minuteLater()` moves both its clock
 * and its `now` on by one stamp period and returns the new now.
 */
function idleDispatcher(configure: (config: SwarmConfig) => void = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-node-rows-'));
  const store = new SqliteStore(join(dir, 'state.db'));
  const clock = new SimulatedClock();
  let now = 1_000_000;
  const config = testConfig({}, join(dir, 'state.db'));
  configure(config);
  const dispatcher = new Dispatcher({ config, store, logger: silentLogger, clock, now: () => now });
  cleanups.push(async () => {
    await withTimeout(dispatcher.stop(), 20_000, 'dispatcher.stop()');
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  dispatcher.start();
  const row = (id: string) => store.listNodes().find((n) => n.id === id);
  const minuteLater = () => {
    now += LOCAL_NODES_SEEN_EVERY_MS;
    clock.increment(LOCAL_NODES_SEEN_EVERY_MS);
    return now;
  };
  return { store, row, now: () => now, minuteLater };
}

test("an idle dispatcher keeps its local node's row seen, so clean-ups of old node rows spare it", async () => {
  const { store, row, minuteLater } = idleDispatcher();
  const local = () => row('local');
  await waitFor(() => local() !== undefined, 'the local node row');
  const first = local()!.lastSeenAt;

  // A day passes with no work: no transition of the node, but a stamp a minute.
  let now = 0;
  for (let minutes = 1; minutes <= 3; minutes++) {
    now = minuteLater();
    await waitFor(() => local()?.lastSeenAt === now, `the node row stamped after ${minutes} minute(s)`);
  }
  expect(local()!.lastSeenAt).toBe(first + 3 * LOCAL_NODES_SEEN_EVERY_MS);

  // What `swarm prune` or the daily clean-up deletes: rows not seen since a time. The live
  // node's row is newer than any such cutoff but "now", and one deleted anyway comes back.
  expect(store.deleteNodesLastSeenBefore(now - 1)).toBe(0);
  expect(store.deleteNodesLastSeenBefore(now + 1)).toBe(1);
  expect(local()).toBeUndefined();
  now = minuteLater();
  await waitFor(() => local()?.lastSeenAt === now, 'the deleted node row written again');
});

test("the local backends node's row is kept seen too, and comes back after a clean-up deleted it", async () => {
  const { store, row, now: start, minuteLater } = idleDispatcher((config) => {
    // A backend whose health check passes anywhere: the injector is only checked for being an
    // executable file, and the stand-in is one (test/fixtures/backends, as the CLI tests use).
    config.backends.rust_injector = { ...config.backends.rust_injector, enabled: true, binary_path: fixture('echo-invocation') };
  });
  const backends = () => row('local-backends');
  // The node exists once the (asynchronous) health check passed: wait for its row before the
  // clock moves, or the first stamp could come before there is a node to stamp.
  await waitFor(() => backends() !== undefined, 'the local-backends node row');
  expect(backends()!.kind).toBe('local');
  expect(backends()!.capabilities).toContain('rust_injector');
  const first = backends()!.lastSeenAt;
  expect(first).toBe(start());

  let now = 0;
  for (let minutes = 1; minutes <= 3; minutes++) {
    now = minuteLater();
    await waitFor(() => backends()?.lastSeenAt === now, `the local-backends row stamped after ${minutes} minute(s)`);
  }
  expect(backends()!.lastSeenAt).toBe(first + 3 * LOCAL_NODES_SEEN_EVERY_MS);

  // Both local nodes' rows are live: a clean-up up to any past time spares them; one up to
  // after "now" deletes both, and the backends node's row comes back with the next stamp.
  await waitFor(() => row('local')?.lastSeenAt === now, 'the local row stamped too');
  expect(store.deleteNodesLastSeenBefore(now - 1)).toBe(0);
  expect(store.deleteNodesLastSeenBefore(now + 1)).toBe(2);
  expect(backends()).toBeUndefined();
  now = minuteLater();
  await waitFor(() => backends()?.lastSeenAt === now, 'the deleted local-backends row written again');
});
