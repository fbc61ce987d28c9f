import { expect, test } from 'bun:test';
import Table from 'cli-table3';
import { renderTable, widthsWrappingLast } from '../../src/cli/table-render.ts';

/** A long table is rendered in chunks; its text must be that of one cli-table3 table. */

function oneTable(head: string[], rows: (string | number)[][], widths?: (number | null)[]): string {
  const table = new Table({
    head,
    style: { head: [], border: [], compact: true },
    ...(widths && { colWidths: widths as number[], wordWrap: true }),
  });
  table.push(...rows);
  return table.toString();
}

const rows = Array.from({ length: 1_234 }, (_, i) => [
  i,
  `task:t${i}`,
  i % 97 === 0 ? '\x1b[31mfailed\x1b[39m' : 'succeeded',
  i % 50 === 0 ? 'wide 🐝 字' : '',
  i % 300 === 0 ? `a long error message that wraps over the width of its column ${'x'.repeat(i % 7)}` : 'ok',
]);
// Cells that wrapping would change: a tab, CR LF, a blank line, a trailing newline.
rows[3][3] = 'a\tb';
rows[4][3] = 'abc\r\ndef';
rows[5][3] = 'abc\n\ndef';
rows[6][3] = 'abc\n';
const head = ['seq', 'actor', 'status', 'note', 'error'];

test('a table of 1,234 rows reads as one table: same widths, one head, no border between chunks', () => {
  const natural = [null, null, null, null, null];
  const widths = [8, 14, 11, 12, 30];
  expect(renderTable(head, rows, widths)).toBe(oneTable(head, rows, widths));
  // Natural widths are measured over all rows, as cli-table3 measures them.
  const chunked = renderTable(head, rows, natural);
  expect(chunked).toBe(oneTable(head, rows));
  expect(chunked.split('\n').filter((line) => line.startsWith('┌') || line.startsWith('└'))).toHaveLength(2);
});

test('a short table is one cli-table3 table as it is', () => {
  expect(renderTable(head, rows.slice(0, 10))).toBe(oneTable(head, rows.slice(0, 10)));
});

test('widths for a table of a million rows are measured without a spread (it would overflow the stack)', () => {
  const many = Array.from({ length: 1_000_000 }, (_, i) => [String(i), i === 777 ? 'the widest cell of all' : 'x']);
  const widths = widthsWrappingLast(many, ['seq', 'what']);
  expect(widths[0]).toBeNull();
  expect(widths[1]).toBe(30); // at least 30; the widest cell (22) + 3 is less
});
