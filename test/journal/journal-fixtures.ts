/**
 * Recorded journals kept as test fixtures (test/fixtures/journals/*.json, written by
 * scripts/record-journal-fixtures.ts): a real run's manifest as deployed, its transitions and
 * its stored projections. Re-simulating them in tests (test/journal/re-simulation.test.ts) is
 * what makes a change to a machine that alters recorded behaviour fail a test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RecordedRun } from '../../actors/journal/simulation/re-simulate.ts';
import { readRecordedRun } from '../../actors/journal/simulation/recorded-run.ts';
import { COMPARED_RUN_FIELDS, COMPARED_TASK_FIELDS, type StoredRun, type StoredTask } from '../../actors/journal/simulation/projection-check.ts';
import type { Manifest } from '../../src/manifest/types.ts';
import type { SwarmStore, TransitionRecord } from '../../src/store/types.ts';

export const JOURNAL_FIXTURES_DIR = resolve(import.meta.dir, '../fixtures/journals');

export interface JournalFixture {
  /** The file's name without .json. */
  fixture: string;
  /** What the run did, in a sentence. */
  description: string;
  recordedAt: string;
  runId: string;
  manifest: Manifest;
  transitions: TransitionRecord[];
  stored: { run: StoredRun; tasks: StoredTask[] };
}

/** A stored run as a fixture: plain JSON, error stacks dropped (machine-specific paths, noise). */
export function fixtureFromStore(store: SwarmStore, runId: string, fixture: string, description: string): JournalFixture {
  const recorded = readRecordedRun(store, runId);
  const run = pick(recorded.stored!.run, COMPARED_RUN_FIELDS);
  const tasks = recorded.stored!.tasks.map((t) => pick(t, ['name', ...COMPARED_TASK_FIELDS]));
  return withoutStacks({
    fixture,
    description,
    recordedAt: new Date().toISOString(),
    runId,
    manifest: recorded.manifest,
    transitions: recorded.transitions.map(({ seq, runId, actorId, actorKind, from, to, event, payload, at }) => ({
      seq,
      runId,
      actorId,
      actorKind,
      from,
      to,
      event,
      payload,
      at,
    })),
    stored: { run, tasks },
  }) as JournalFixture;
}

export function loadJournalFixtures(dir = JOURNAL_FIXTURES_DIR): JournalFixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as JournalFixture);
}

export function recordedRunOf(fixture: JournalFixture): RecordedRun {
  return { runId: fixture.runId, manifest: fixture.manifest, transitions: fixture.transitions, stored: fixture.stored };
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = value[k];
  return out;
}

/** Drops every `stack` property (error payloads and projections alike, so they still agree). */
function withoutStacks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutStacks);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'stack') out[k] = withoutStacks(v);
  return out;
}

/**
 * Writes a fixture's run into a store as if it had run there (the rows get the store's own
 * seqs, in the same order): a database for the CLI to re-simulate, without running anything.
 */
export function writeFixtureToStore(store: SwarmStore, fixture: JournalFixture): void {
  const { runId, manifest } = fixture;
  store.createRun(
    {
      id: runId,
      name: manifest.name,
      manifestSource: JSON.stringify(manifest),
      manifestFormat: 'yaml',
      manifest,
      manifestPath: null,
      metadata: manifest.metadata,
      totalTasks: manifest.symbols.length,
      replayOf: null,
      createdAt: fixture.transitions[0]?.at ?? 0,
    },
    manifest.symbols.map((s) => ({ runId, name: s.name, priority: s.priority, dispatch: s.dispatch, dependencies: s.dependencies })),
  );
  store.commit({
    transitions: fixture.transitions.map(({ seq: _seq, ...row }) => row),
    runs: [{ id: runId, ...fixture.stored.run }],
    tasks: fixture.stored.tasks.map((t) => ({ runId, ...t })),
    nodes: [],
  });
}
