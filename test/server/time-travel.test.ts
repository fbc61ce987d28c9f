import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunNotFoundError } from '../../src/errors.ts';
import { HttpError } from '../../src/server/http.ts';
import { JournalCache } from '../../src/dashboard/server/journal-cache.ts';
import { runStateAt } from '../../src/dashboard/server/run-state.ts';
import { timeTravelOver } from '../../src/dashboard/server/time-travel.ts';
import { MemoryStore, SqliteStore } from '../../src/store/index.ts';
import { loadJournalFixtures, writeFixtureToStore } from '../journal/journal-fixtures.ts';
import { rejection } from './helpers.ts';

/**
 * The dashboard's time travel: over a SQLite file it re-simulates on a thread of its own (so
 * the dispatcher's event loop goes on), with the same answer as in-process re-simulation.
 */

const dir = mkdtempSync(join(tmpdir(), 'swarm-time-travel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const backoff = { base: 5, max: 20 };
const fixture = loadJournalFixtures().find((f) => f.fixture === 'retries-then-success')!;

function storeWithRun(): SqliteStore {
  const store = new SqliteStore(join(dir, `${crypto.randomUUID()}.db`));
  writeFixtureToStore(store, fixture);
  return store;
}

describe('time travel', () => {
  test('over a SQLite file: on its thread, every seq as in-process re-simulation has it', async () => {
    const store = storeWithRun();
    const travel = timeTravelOver(store, backoff);
    try {
      const run = store.getRun(fixture.runId)!;
      const seqs = store.getTransitions(fixture.runId).map((t) => t.seq);
      for (const at of [0, seqs[0], seqs[Math.floor(seqs.length / 2)], seqs.at(-1)!, seqs.at(-1)! + 100]) {
        expect(await travel.stateAt(fixture.runId, at)).toEqual(runStateAt(store, new JournalCache(), run, at, backoff));
      }
      expect(await rejection(travel.stateAt('no-such-run', 1))).toBeInstanceOf(RunNotFoundError);
    } finally {
      travel.close();
      store.close();
    }
  });

  test('a re-simulation over its time limit is refused (503, with the command to use), and the thread is ended', async () => {
    const store = storeWithRun();
    // Within 1 ms no thread even opens the file: this can only pass if the work is on a thread
    // that the limit ends.
    const hurried = timeTravelOver(store, backoff, { ms: 1 });
    const patient = timeTravelOver(store, backoff);
    try {
      const error = await rejection(hurried.stateAt(fixture.runId, 1));
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ status: 503, code: 'TIME_TRAVEL_TOO_SLOW' });
      expect((error as Error).message).toContain(`swarm replay ${fixture.runId} --simulate --at 1`);
      expect((await patient.stateAt(fixture.runId, 1)).runId).toBe(fixture.runId);
    } finally {
      hurried.close();
      patient.close();
      store.close();
    }
  });

  test('over any other store: in-process, the same answers', async () => {
    const memory = new MemoryStore();
    writeFixtureToStore(memory, fixture);
    const file = storeWithRun();
    const inMemory = timeTravelOver(memory, backoff);
    const onThread = timeTravelOver(file, backoff);
    try {
      const last = memory.getTransitions(fixture.runId).at(-1)!.seq;
      expect(await inMemory.stateAt(fixture.runId, last)).toEqual(await onThread.stateAt(fixture.runId, last));
      expect(await rejection(inMemory.stateAt('no-such-run', 1))).toBeInstanceOf(RunNotFoundError);
    } finally {
      inMemory.close();
      onThread.close();
      file.close();
    }
  });

  test('a run with more transitions than the limit is refused (422, with the command to use) before its journal is read', async () => {
    const store = storeWithRun();
    const size = store.getTransitions(fixture.runId).length;
    const strict = timeTravelOver(store, backoff, { transitions: size - 1 });
    const roomy = timeTravelOver(store, backoff, { transitions: size });
    try {
      const error = await rejection(strict.stateAt(fixture.runId, 1));
      expect(error).toMatchObject({ status: 422, code: 'TIME_TRAVEL_TOO_BIG' });
      expect((error as Error).message).toContain(`Run ${fixture.runId} has ${size} journal transitions`);
      expect((error as Error).message).toContain(`swarm replay ${fixture.runId} --simulate --at 1`);
      expect((await roomy.stateAt(fixture.runId, 1)).runId).toBe(fixture.runId);
    } finally {
      strict.close();
      roomy.close();
      store.close();
    }
  });
});
