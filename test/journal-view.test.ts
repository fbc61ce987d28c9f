import { describe, expect, test } from 'bun:test';
import { applyRow, applySummary, summarizeRows, type ViewTask } from '../src/journal-view.ts';
import { loadJournalFixtures } from './journal/journal-fixtures.ts';
import { seededRandom } from './support/seeded-random.ts';

/**
 * Summaries of rows (what the dashboard's live socket sends) must move a view exactly as the
 * rows themselves would, however the journal is cut into summaries.
 */
function freshView(names: string[]): Map<string, ViewTask> {
  return new Map(names.map((n) => [n, { state: 'pending', node: null, attempts: 0 }]));
}

describe('summarizeRows / applySummary', () => {
  for (const fixture of loadJournalFixtures()) {
    test(`${fixture.fixture}: any cut into summaries gives what the rows give`, () => {
      const names = fixture.manifest.symbols.map((s) => s.name);
      const byRows = freshView(names);
      let runByRows = 'idle';
      for (const row of fixture.transitions) runByRows = applyRow(row, runByRows, (n) => byRows.get(n));
      const random = seededRandom(fixture.fixture.length * 7919);
      for (let trial = 0; trial < 20; trial++) {
        const bySummaries = freshView(names);
        let runBySummaries = 'idle';
        let rowsSeen = 0;
        for (let i = 0; i < fixture.transitions.length; ) {
          const size = 1 + Math.floor(random() * 12);
          const chunk = fixture.transitions.slice(i, i + size);
          const summary = summarizeRows(chunk);
          expect(summary.lastSeq).toBe(chunk.at(-1)!.seq);
          rowsSeen += summary.rows;
          runBySummaries = applySummary(JSON.parse(JSON.stringify(summary)), runBySummaries, (n) => bySummaries.get(n));
          i += size;
        }
        expect(rowsSeen).toBe(fixture.transitions.length);
        expect(runBySummaries).toBe(runByRows);
        expect(Object.fromEntries(bySummaries)).toEqual(Object.fromEntries(byRows));
      }
    });
  }
});

describe('an assignment given back unstarted (task.returned)', () => {
  test('takes its attempt back, row by row and in any summary, as the stored projection does', () => {
    const row = (seq: number, from: string | null, to: string, event: string, payload: Record<string, unknown> | null = null) =>
      ({ seq, runId: 'r', actorId: 'task:t', actorKind: 'task', from, to, event, payload, at: seq }) as never;
    const rows = [
      row(1, null, 'pending', 'xstate.init'),
      row(2, 'pending', 'ready', 'task.depsMet'),
      row(3, 'ready', 'assigned', 'task.assign', { node: 'remote:w1' }),
      row(4, 'assigned', 'ready', 'task.returned', { attempt: 1 }),
      row(5, 'ready', 'assigned', 'task.assign', { node: 'remote:w2' }),
      row(6, 'assigned', 'running', 'task.started', { attempt: 1 }),
    ];
    const byRows = freshView(['t']);
    for (const r of rows) applyRow(r, 'running', (n) => byRows.get(n));
    expect(byRows.get('t')).toEqual({ state: 'running', node: 'remote:w2', attempts: 1 });
    for (let cut = 1; cut < rows.length; cut++) {
      const view = freshView(['t']);
      for (const part of [rows.slice(0, cut), rows.slice(cut)]) applySummary(summarizeRows(part), 'running', (n) => view.get(n));
      expect(view.get('t')).toEqual(byRows.get('t'));
    }
  });
});
