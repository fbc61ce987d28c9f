import { describe, expect, test } from 'bun:test';
import { LiveHub, type LiveClient, type LiveMessage } from '../../src/dashboard/server/live-hub.ts';
import { currentOwner } from '../../src/run-owner.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { waitFor } from '../runtime/helpers.ts';
import { newRun, newTask } from '../store-conformance.ts';

/**
 * A run whose process dies writes nothing, so no commit wakes the live hub: the page that shows
 * it learned it was interrupted only when reloaded. The hub now looks at the watched runs'
 * leases (here one that runs out, as a killed process's does) and says so; a runs list hears
 * that the list changed.
 */

function client(wantsRuns = false): LiveClient & { taken: LiveMessage[] } {
  const taken: LiveMessage[] = [];
  return {
    taken,
    watching: new Map(),
    summarized: new Set(),
    wantsRuns,
    send(text) {
      taken.push(JSON.parse(text) as LiveMessage);
      return 'sent';
    },
  };
}

const interruptions = (c: { taken: LiveMessage[] }) => c.taken.filter((m) => m.type === 'run');

describe('the live hub and interrupted runs', () => {
  test('a watched run whose lease runs out is announced interrupted, then taken up again; a runs list is told to read again', async () => {
    const store = new SqliteStore(':memory:');
    const owner = currentOwner();
    store.createRun(newRun('held', { totalTasks: 1 }), [newTask('held', 'a')], { owner, leaseMs: 60_000 });
    store.createRun(newRun('other', { totalTasks: 1 }), [newTask('other', 'a')], { owner, leaseMs: 60_000 });
    const hub = new LiveHub(store, 20);
    const page = client();
    const otherPage = client();
    const list = client(true);
    for (const c of [page, otherPage, list]) hub.add(c);
    hub.watch(page, 'held', 0, true);
    hub.watch(otherPage, 'other', 0, true);
    try {
      // Its holder stops renewing: the lease runs out.
      store.renewRunLeases(owner, [{ runId: 'held', epoch: 1 }], 1);
      await waitFor(() => interruptions(page).length > 0, 'the page to hear of the interruption');
      expect(interruptions(page)).toEqual([{ type: 'run', runId: 'held', interruption: 'expired' }]);
      // Held and renewed all along: nothing said of it, though the hub has looked since.
      expect(interruptions(otherPage)).toEqual([]);
      await waitFor(() => list.taken.some((m) => m.type === 'runs'), 'the runs list to be told');

      // A page that starts watching it now hears at once.
      const late = client();
      hub.add(late);
      hub.watch(late, 'held', 0, true);
      expect(interruptions(late)).toEqual([{ type: 'run', runId: 'held', interruption: 'expired' }]);

      // Taken up again (renewed): the page hears that too, and only once each way.
      store.renewRunLeases(owner, [{ runId: 'held', epoch: 1 }], 60_000);
      await waitFor(() => interruptions(page).length > 1, 'the page to hear it was taken up');
      expect(interruptions(page)).toEqual([
        { type: 'run', runId: 'held', interruption: 'expired' },
        { type: 'run', runId: 'held', interruption: null },
      ]);
    } finally {
      hub.close();
      store.close();
    }
  });

  // The looks run on a timer in the dispatcher's process: a store that does not answer for a
  // while (an outage, a lock held elsewhere) must cost a look, not the process.
  test('looks that meet a store failure are skipped; the page still hears once the store answers', async () => {
    const store = new SqliteStore(':memory:');
    const owner = currentOwner();
    store.createRun(newRun('held', { totalTasks: 1 }), [newTask('held', 'a')], { owner, leaseMs: 60_000 });
    let failures = 3;
    const read = store.getRunListing.bind(store);
    store.getRunListing = (runId) => {
      if (failures > 0) {
        failures--;
        throw new Error('database is locked');
      }
      return read(runId);
    };
    const hub = new LiveHub(store, 20);
    const page = client();
    hub.add(page);
    hub.watch(page, 'held', 0, true);
    try {
      store.renewRunLeases(owner, [{ runId: 'held', epoch: 1 }], 1);
      await waitFor(() => interruptions(page).length > 0, 'the page to hear of the interruption');
      expect(failures).toBe(0);
      expect(interruptions(page)).toEqual([{ type: 'run', runId: 'held', interruption: 'expired' }]);
    } finally {
      hub.close();
      store.close();
    }
  });
});
