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
