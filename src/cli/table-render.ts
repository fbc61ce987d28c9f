import Table from 'cli-table3';
import { createRequire } from 'node:module';
import { cellText } from '../terminal-text.ts';
import { colourOn } from './colour.ts';

/**
 * Renders the CLI's tables with cli-table3, in time linear in their rows.
 *
 * Why: cli-table3 takes time that grows with the square of a table's rows (2,000 rows 0.2 s,
 * 8,000 rows 1.7 s; the history of a 100,000-task run, 500,000 rows, did not finish), and ~80 µs
 * a row even in small tables. A long table has column widths measured once over all rows, as
 * cli-table3 would; each row whose cells fit as they are is made from a template row cli-table3
 * laid out once (RowTemplate), and the others go through cli-table3 in chunks of ROWS_PER_CHUNK
 * rows with the same widths, without their borders: the text is that of one table.
 */

const ROWS_PER_CHUNK = 50;

/** cli-table3's own measure of a cell (colour codes left out, wide characters counted twice). */
const { strlen, wordWrap } = createRequire(import.meta.url)('cli-table3/src/utils') as {
  strlen(text: string): number;
  /** cli-table3's own word wrap (lines of a cell), the one a column with a width applies. */
  wordWrap(width: number, text: string): string[];
};

/**
 * Past this many characters in its cells, a table is laid out from its template even when
 * short: cli-table3 takes time that grows with the cube of a tall cell's lines (a task's 8 KB
 * error, 100 lines of PHP warnings: 55 s; 1 MiB: minutes), during which not even SIGTERM is
 * handled.
 */
const SHORT_CELLS = 500;

/** Padding cli-table3 puts either side of a cell's text. */
const CELL_PADDING = 2;

export type Cell = string | number;

/**
 * `head` and `rows` as one table. `widths`: a width per column (`null` for the column's natural
 * width); a column with a width wraps its text to it.
 */
export function renderTable(head: string[], rows: Cell[][], widths?: (number | null)[], colour = colourOn()): string {
  if (rows.length <= ROWS_PER_CHUNK && rows.every((row) => row.every((cell) => String(cell).length <= SHORT_CELLS))) return render(head, rows, widths, colour);
  const fixed = head.map((title, i) => widths?.[i] ?? naturalWidth(title, rows, i));
  // A column without a width of the caller's keeps its text as is: wrapping (which a fixed
  // width turns on) would split it at tabs and drop blank lines, as one table does not.
  const template = new RowTemplate(head, fixed, colour, head.map((_, i) => widths?.[i] != null));
  return [template.top, ...template.lines(rows), template.bottom].join('\n');
}

/** What a cell may hold to be printed as its lines: no control character (tab, colour code) but line breaks. */
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;
/** Text one column per character, whose width is its length (cli-table3's measure is slower). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Marks a cell's place in the template line: one column wide, and in no border or colour code. */
const MARK = '\u00a7';

/**
 * The lines of a long table that cli-table3 would print as the cells' text, made by hand from a
 * row of marks it laid out once: the rows a history of half a million transitions has. It took
 * ~80 µs a row to lay each row out (a table of 100,000 rows: 8 s); the template takes ~4 µs.
 */
class RowTemplate {
  readonly top: string;
  readonly bottom: string;
  /** The template line's text around each cell's content, padding included. */
  private readonly between: string[];

  constructor(
    head: string[],
    private readonly widths: number[],
    private readonly colour: boolean,
    /** Columns whose text cli-table3 wraps to their width (a width the caller gave), as it does. */
    private readonly wraps: boolean[],
  ) {
    const marks = widths.map(() => ({ content: MARK, wordWrap: false }));
    const lines = render(head, [marks], widths, colour).split('\n');
    this.bottom = lines.pop()!;
    const template = lines.pop()!;
    this.top = lines.join('\n'); // the top border, the head and the line under it
    const parts = template.split(MARK);
    // After each mark, the spaces that fill its column's text to the width; then its border.
    this.between = parts.map((part, i) => (i === 0 ? part : part.slice(widths[i - 1] - CELL_PADDING - 1)));
  }

  /**
   * The rows' lines, without the table's top and bottom: made here where the template can, the
   * others (wrapped past a word's width, coloured, with controls) by cli-table3, in chunks of
   * ROWS_PER_CHUNK rows with the same widths and without their own borders.
   */
  lines(rows: Cell[][]): string[] {
    const out: string[] = [];
    let slow: Cell[][] = [];
    const flushSlow = () => {
      for (let start = 0; start < slow.length; start += ROWS_PER_CHUNK) {
        const chunk = slow.slice(start, start + ROWS_PER_CHUNK).map((row) => row.map((cell, i) => (this.wraps[i] ? cell : { content: String(cell), wordWrap: false })));
        out.push(render([], chunk, this.widths, this.colour).split('\n').slice(1, -1).join('\n'));
      }
      slow = [];
    };
    for (const row of rows) {
      const line = this.line(row);
      if (line === null) {
        slow.push(row);
        continue;
      }
      if (slow.length > 0) flushSlow();
      out.push(line);
    }
    flushSlow();
    return out;
  }

  /**
   * The row's lines (a cell of several lines makes the row as tall, the others blank below), or
   * null when cli-table3 must lay the row out: a control character, or a line wider than its column.
   */
  private line(row: Cell[]): string | null {
    const cells: string[][] = [];
    let height = 1;
    for (let i = 0; i < this.widths.length; i++) {
      const text = String(row[i] ?? '');
      if (CONTROL.test(text)) return null;
      // Wrapped as cli-table3 wraps it (its blank lines dropped); a line still too wide it would cut.
      const lines = this.wraps[i] && text !== '' ? wordWrap(this.widths[i] - CELL_PADDING, text) : text.split('\n');
      for (const piece of lines) if (widthOf(piece) > this.widths[i] - CELL_PADDING) return null;
      cells.push(lines);
      height = Math.max(height, lines.length);
    }
    const out: string[] = [];
    for (let k = 0; k < height; k++) {
      let line = this.between[0];
      for (let i = 0; i < this.widths.length; i++) {
        const text = cells[i][k] ?? '';
        line += text + ' '.repeat(this.widths[i] - CELL_PADDING - widthOf(text)) + this.between[i + 1];
      }
      out.push(line);
    }
    return out.join('\n');
  }
}

/** The width to fit tables in: the terminal's, or a wide page when piped. */
function pageWidth(): number {
  return process.stdout.isTTY === true && process.stdout.columns ? process.stdout.columns : 120;
}

/** The narrowest the wrapped column is made to fit the page. */
const MIN_WRAPPED_WIDTH = 12;
/** Its width when the other columns leave it less than that: the table overflows anyway. */
const WRAPPED_WIDTH_WHEN_OVERFLOWING = 30;

/**
 * Column widths that leave the last column whatever the others do not use (see MIN_WRAPPED_WIDTH), so
 * its text wraps instead of being cut: the other columns keep their natural widths.
 */
export function widthsWrappingLast(rows: string[][], head: string[]): (number | null)[] {
  // A loop, not Math.max(...rows): a spread of a million rows overflows the stack.
  // A column's width counts its padding; the borders are one column each, one more than columns.
  const widths = head.map((h, i) => rows.reduce((widest, r) => Math.max(widest, longestLine(r[i] ?? '')), h.length) + CELL_PADDING);
  return [...head.slice(0, -1).map(() => null), wrappedWidth(widths)];
}

/** The last column's width, given every column's natural width (padding included). */
function wrappedWidth(natural: number[]): number {
  const others = natural.slice(0, -1).reduce((a, b) => a + b, 0) + natural.length + 1;
  const room = pageWidth() - others;
  // Fit the page while the last column can be MIN_WRAPPED_WIDTH wide; past that the table
  // overflows whatever its width, so it gets a readable one.
  const last = natural[natural.length - 1];
  return room >= MIN_WRAPPED_WIDTH ? Math.min(last, room) : Math.min(last, WRAPPED_WIDTH_WHEN_OVERFLOWING);
}

/**
 * `head` and `rows` with the last column wrapped to what the others leave of the page
 * (widthsWrappingLast). A word wider than that column (compact JSON, a path) is broken into
 * pieces that fit: cli-table3 puts such a word on a line of its own and cuts it with "…", which
 * hid the middle of an output while the lines around it went on.
 */
export function renderWrappingLast(head: string[], rows: string[][], colour = colourOn()): string {
  const last = head.length - 1;
  // The last column holds text the CLI did not write (outputs, errors): escaped before it is
  // measured (cellText).
  const escaped = withCell(rows, last, cellText);
  const widths = widthsWrappingLast(escaped, head);
  const room = widths[last]! - CELL_PADDING;
  return renderTable(head, withCell(escaped, last, (text) => fitted(text, room)), widths, colour);
}

/** A wrapped column's text with each word wider than `room` broken into pieces (the table wraps the rest). */
function fitted(text: string, room: number): string {
  return widthOf(text) <= room ? text : breakLongWords(text, room);
}

/**
 * A table too long to hold, written a page of rows at a time (`swarm history` of a big run):
 * the column widths come from a first pass over `pages` (the natural widths, and the last
 * column's as renderWrappingLast gives it), then each page is laid out with them and written as
 * it comes, so no more than a page of rows is ever held. `pages` is called once per pass.
 */
export async function writeTableWrappingLast(
  head: string[],
  pages: () => Iterable<string[][]>,
  write: (text: string) => Promise<void>,
  colour = colourOn(),
): Promise<void> {
  const last = head.length - 1;
  const widest = head.map((h) => widthOf(h));
  for (const page of pages()) {
    for (const row of withCell(page, last, cellText)) {
      for (let i = 0; i < head.length; i++) widest[i] = Math.max(widest[i], longestLine(String(row[i] ?? '')));
    }
  }
  const fixed = widest.map((w) => w + CELL_PADDING);
  fixed[last] = wrappedWidth(fixed);
  const template = new RowTemplate(head, fixed, colour, head.map((_, i) => i === last));
  await write(template.top);
  for (const page of pages()) {
    const lines = template.lines(withCell(withCell(page, last, cellText), last, (text) => fitted(text, fixed[last] - CELL_PADDING)));
    if (lines.length > 0) await write(lines.join('\n'));
  }
  await write(template.bottom);
}

/** `rows` with cell `column` of each through `change`; a row whose cell stays the same is not copied. */
function withCell(rows: string[][], column: number, change: (text: string) => string): string[][] {
  return rows.map((row) => {
    const text = row[column];
    if (text === undefined) return row;
    const changed = change(text);
    if (changed === text) return row;
    const copy = row.slice();
    copy[column] = changed;
    return copy;
  });
}

/** `text` with each word wider than `room` columns broken by line breaks into pieces that fit. */
export function breakLongWords(text: string, room: number): string {
  // Colour codes would be cut through and counted as text: such cells are left as they are.
  if (text.includes('\x1b') || room < 1) return text;
  return text
    .split('\n')
    .map((line) =>
      line
        .split(/(\s+)/)
        .map((part) => (widthOf(part) <= room || /^\s+$/.test(part) ? part : piecesOf(part, room).join('\n')))
        .join(''),
    )
    .join('\n');
}

/** Characters as a reader sees them: an emoji joined from several code points, a flag, a letter and its accent. */
const GRAPHEMES = new Intl.Segmenter();

function piecesOf(word: string, room: number): string[] {
  const pieces: string[] = [];
  let piece = '';
  let width = 0;
  for (const { segment: char } of GRAPHEMES.segment(word)) {
    const w = widthOf(char);
    if (width + w > room && piece !== '') {
      pieces.push(piece);
      piece = '';
      width = 0;
    }
    piece += char;
    width += w;
  }
  if (piece !== '') pieces.push(piece);
  return pieces;
}

/** The columns of the widest line of `text` (wide characters count twice, colour codes not at all). */
function longestLine(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  return Math.max(...text.split('\n').map(widthOf));
}

function naturalWidth(title: string, rows: Cell[][], column: number): number {
  let width = widthOf(title);
  for (const row of rows) width = Math.max(width, longestLine(String(row[column] ?? '')));
  return width + CELL_PADDING;
}

/** The columns `text` takes, as cli-table3 measures it. */
function widthOf(text: string): number {
  return PRINTABLE_ASCII.test(text) ? text.length : strlen(text);
}

function render(head: string[], rows: (Cell | Table.CellOptions)[][], widths: (number | null)[] | undefined, colour: boolean): string {
  const table = new Table({
    head,
    style: { head: colour ? ['cyan'] : [], border: colour ? ['grey'] : [], compact: true },
    // A copy: cli-table3 fills in the widths it computes.
    ...(widths && { colWidths: [...widths] as number[], wordWrap: true }),
  });
  table.push(...rows);
  return table.toString();
}
