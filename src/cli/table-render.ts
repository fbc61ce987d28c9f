import Table from 'cli-table3';
import { createRequire } from 'node:module';

/**
 * Renders the CLI's tables with cli-table3, in time linear in their rows.
 *
 * Why: cli-table3 takes time that grows with the square of a table's rows (2,000 rows 0.2 s,
 * 8,000 rows 1.7 s; the history of a 100,000-task run, 500,000 rows, did not finish). A long
 * table is rendered as chunks of ROWS_PER_CHUNK rows with the same column widths, measured once
 * over all rows as cli-table3 would, and joined where one chunk's bottom border meets the next
 * one's top: the text is that of one table.
 */

const ROWS_PER_CHUNK = 50;

/** cli-table3's own measure of a cell (colour codes left out, wide characters counted twice). */
const { strlen } = createRequire(import.meta.url)('cli-table3/src/utils') as { strlen(text: string): number };

/** Padding cli-table3 puts either side of a cell's text. */
const CELL_PADDING = 2;

export type Cell = string | number;

/**
 * `head` and `rows` as one table. `widths`: a width per column (`null` for the column's natural
 * width); a column with a width wraps its text to it.
 */
export function renderTable(head: string[], rows: Cell[][], widths?: (number | null)[]): string {
  if (rows.length <= ROWS_PER_CHUNK) return render(head, rows, widths);
  const fixed = head.map((title, i) => widths?.[i] ?? naturalWidth(title, rows, i));
  // A column without a width of the caller's keeps its text as is: wrapping (which a fixed
  // width turns on) would split it at tabs and drop blank lines, as one table does not.
  const unwrapped = head.map((_, i) => widths?.[i] == null);
  const asInOneTable = (row: Cell[]) => row.map((cell, i) => (unwrapped[i] ? { content: String(cell), wordWrap: false } : cell));
  const chunks: string[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_CHUNK) {
    const lines = render(start === 0 ? head : [], rows.slice(start, start + ROWS_PER_CHUNK).map(asInOneTable), fixed).split('\n');
    const first = start === 0 ? 0 : 1; // the top border, but for the first chunk
    const last = start + ROWS_PER_CHUNK >= rows.length ? lines.length : lines.length - 1; // the bottom border, but for the last
    chunks.push(lines.slice(first, last).join('\n'));
  }
  return chunks.join('\n');
}

/** The width to fit tables in: the terminal's, or a wide page when piped. */
function pageWidth(): number {
  return process.stdout.isTTY === true && process.stdout.columns ? process.stdout.columns : 120;
}

/**
 * Column widths that leave the last column whatever the others do not use (at least 30), so
 * its text wraps instead of being cut: the other columns keep their natural widths.
 */
export function widthsWrappingLast(rows: string[][], head: string[]): (number | null)[] {
  // A loop, not Math.max(...rows): a spread of a million rows overflows the stack.
  const widths = head.map((h, i) => rows.reduce((widest, r) => Math.max(widest, longestLine(r[i] ?? '')), h.length) + 3);
  const others = widths.slice(0, -1).reduce((a, b) => a + b, 0) + head.length + 1;
  const last = Math.max(30, Math.min(widths[widths.length - 1], pageWidth() - others));
  return [...head.slice(0, -1).map(() => null), last];
}

function longestLine(text: string): number {
  return Math.max(...text.replace(/\x1b\[\d+m/g, '').split('\n').map((l) => l.length));
}

function naturalWidth(title: string, rows: Cell[][], column: number): number {
  let width = strlen(title);
  for (const row of rows) width = Math.max(width, strlen(String(row[column] ?? '')));
  return width + CELL_PADDING;
}

function render(head: string[], rows: (Cell | Table.CellOptions)[][], widths: (number | null)[] | undefined): string {
  const tty = process.stdout.isTTY === true;
  const table = new Table({
    head,
    style: { head: tty ? ['cyan'] : [], border: tty ? ['grey'] : [], compact: true },
    // A copy: cli-table3 fills in the widths it computes.
    ...(widths && { colWidths: [...widths] as number[], wordWrap: true }),
  });
  table.push(...rows);
  return table.toString();
}
