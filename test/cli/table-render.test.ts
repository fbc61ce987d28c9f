import { expect, test } from 'bun:test';
import Table from 'cli-table3';
import { breakLongWords, renderTable, renderWrappingLast, widthsWrappingLast, writeTableWrappingLast } from '../../src/cli/table-render.ts';
import { seededRandom } from '../support/seeded-random.ts';

/** A long table is rendered in chunks; its text must be that of one cli-table3 table. */

function oneTable(head: string[], rows: (string | number)[][], widths?: (number | null)[], colour = false): string {
  const table = new Table({
    head,
    style: { head: colour ? ['cyan'] : [], border: colour ? ['grey'] : [], compact: true },
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
  expect(widths[1]).toBe(24); // the widest cell (22) and its padding
});

/** Cells a row laid out by hand could get wrong: spaces first or last, runs of spaces, wide or zero-width characters, colour, controls, text longer than its column, the template's own mark. */
const TRICKY = ['', ' ', '  lead', 'trail  ', 'a  b', 'x', '12345', 'ready → running', '∅ → pending', '字字', '🐝', 'e\u0301', '§', '§ § §', '\x1b[32mok\x1b[39m', 'a\tb', 'a\nb', 'a\r', '\u00a0nbsp', 'x'.repeat(45), 'word '.repeat(12)];

test('rows made from the template are those cli-table3 lays out, with and without colour (seeded)', () => {
  const random = seededRandom(0x7ab1e);
  const pick = () => (random() < 0.6 ? `t${Math.floor(random() * 1000)}` : TRICKY[Math.floor(random() * TRICKY.length)]);
  for (let round = 0; round < 40; round++) {
    const columns = 2 + Math.floor(random() * 5);
    const h = Array.from({ length: columns }, (_, i) => (random() < 0.2 ? TRICKY[Math.floor(random() * TRICKY.length)] || `c${i}` : `col${i}`));
    const body = Array.from({ length: 51 + Math.floor(random() * 120) }, () => Array.from({ length: columns }, pick));
    const widths = h.map((_, i) => (i === columns - 1 && random() < 0.7 ? 12 + Math.floor(random() * 30) : random() < 0.2 ? 20 : null));
    for (const colour of [false, true]) {
      expect({ round, colour, text: renderTable(h, body, widths, colour) }).toEqual({ round, colour, text: oneTable(h, body, widths, colour) });
    }
  }
});

test('a word wider than the wrapped column is broken into pieces that fit, and nothing of it is cut', () => {
  // Compact JSON has few spaces: cli-table3 put such a word on a line of its own and cut it
  // with "…", while the lines around it went on.
  const output = `{"a":"some long text here that goes on and on","b":[${Array.from({ length: 40 }, (_, i) => i).join(',')}],"c":{"d":"nested value with words"}}`;
  const text = renderWrappingLast(['symbol', 'output / error'], [['big', output], ['small', 'ok']]);
  expect(text).not.toContain('…');
  const cells = text.split('\n').filter((line) => line.startsWith('│ ')).map((line) => line.split('│')[2].trim());
  // Every character, in order (a line break stands for the space it replaced).
  expect(cells.slice(1).join('').replace(/ /g, '')).toBe(`${output.replace(/ /g, '')}ok`);
  for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(120); // the page width when piped
});

test('breakLongWords keeps the text and its spaces and breaks only what is wider than the room (seeded)', () => {
  const random = seededRandom(0xb4ea);
  const pieces = ['word', ' ', '  ', 'x'.repeat(45), '字字字字字字', '🐝🐝🐝', 'e\u0301', '\n', '{"a":[1,2,3]}'];
  for (let round = 0; round < 300; round++) {
    const text = Array.from({ length: 1 + Math.floor(random() * 12) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
    const room = 1 + Math.floor(random() * 20);
    const broken = breakLongWords(text, room);
    // Only line breaks are added, and only inside words.
    expect(broken.replace(/\n/g, '')).toBe(text.replace(/\n/g, ''));
    for (const line of broken.split('\n')) {
      for (const word of line.split(/\s+/)) expect(Bun.stringWidth(word)).toBeLessThanOrEqual(Math.max(room, 2));
    }
  }
  expect(breakLongWords('short words stay', 5)).toBe('short words stay');
  expect(breakLongWords('\x1b[31mcoloured-and-long\x1b[39m', 5)).toBe('\x1b[31mcoloured-and-long\x1b[39m');
});

test('the wrapped column is measured in columns: wide characters count twice', () => {
  // 40 wide characters are 80 columns: measured as 40, the column got half the room it needed
  // and the text was broken far narrower than the page.
  const wide = '字'.repeat(40);
  const widths = widthsWrappingLast([['a', wide]], ['x', 'text']);
  expect(widths[1]).toBe(80 + 2);
});

test('control characters and colour codes in the wrapped column are escaped before layout: every border lines up', () => {
  // Escaped only when printed, each was laid out as no column and printed as four, and a tab
  // as none and printed as up to eight; a colour code kept a long word from being broken.
  const cells = ['before\rAFTER carriage return', 'a\tb', 'bell\x07', '\x1b[2Jclear', `\x1b[1mbold\x1b[0m then ${'p'.repeat(150)} END`, 'plain'];
  const text = renderWrappingLast(['symbol', 'output / error'], cells.map((c, i) => [`s${i}`, c]));
  const lines = text.split('\n');
  expect(new Set(lines.map((line) => line.length)).size).toBe(1); // one width: no control character left
  expect(text).not.toContain('…');
  expect(text).toContain('before\\x0dAFTER');
  expect(text).toContain('\\x1b[1mbold');
  expect(text.replace(/[│ \n]/g, '')).toContain('p'.repeat(150) + 'END');
});

test('a table of six columns fits an 80-column page: the wrapped column takes what the others leave', () => {
  const columns = process.stdout.columns;
  const tty = process.stdout.isTTY;
  Object.assign(process.stdout, { columns: 80, isTTY: true });
  try {
    const head = ['symbol', 'status', 'attempts', 'node', 'duration', 'output / error'];
    const rows = [['remember-greeting', 'succeeded', '1', 'local', '1 ms', '{"key":"hello.greeting","value":"Hello from the swarm"}']];
    const text = renderWrappingLast(head, rows).replace(/\x1b\[[0-9;]*m/g, '');
    expect(new Set(text.split('\n').map((line) => line.length))).toEqual(new Set([80]));
  } finally {
    Object.assign(process.stdout, { columns, isTTY: tty });
  }
});

test('a long word is broken between characters as a reader sees them, never inside a joined emoji or a flag', () => {
  const family = '👨‍👩‍👧';
  const word = `${family}🇯🇵e\u0301`.repeat(6);
  const pieces = breakLongWords(word, 5).split('\n');
  expect(pieces.join('')).toBe(word);
  for (const piece of pieces) {
    // Each piece starts and ends on a whole character: the family, the flag or the accented e.
    expect(piece).toMatch(new RegExp(`^(?:${family}|🇯🇵|e\u0301)+$`, 'u'));
  }
});

test('a table written a page at a time is the same text as the whole table made at once', async () => {
  const random = seededRandom(7);
  const head = ['seq', 'kind', 'actor', 'error'];
  const errors = ['', 'TASK_FAILED: nope', `OPERATION_FAILED: ${'a long message that wraps '.repeat(8)}`, 'x\ty\nz', 'BAD: {"compact":"json","with":"no spaces at all to break on anywhere in it"}'];
  const rows = Array.from({ length: 6_000 }, (_, i) => [String(i + 1), i % 7 === 0 ? 'coordinator' : 'task', `task:t${Math.floor(random() * 1e6)}`, errors[Math.floor(random() * errors.length)]]);
  for (const colour of [false, true]) {
    const pages = function* () {
      for (let start = 0; start < rows.length; start += 1_234) yield rows.slice(start, start + 1_234);
    };
    const written: string[] = [];
    await writeTableWrappingLast(head, pages, async (text) => void written.push(text), colour);
    expect(written.join('\n')).toBe(renderWrappingLast(head, rows, colour));
  }
});

test('a tall cell (a long error of many lines) is laid out from the template as cli-table3 lays it out', () => {
  const error = Array.from({ length: 24 }, (_, i) => `PHP Warning: something went wrong in /var/www/html/wp-includes/file.php on line ${i}`).join('\n');
  const rows = [['1', 'a', error], ['2', 'b', 'ok'], ['3', 'c', `${error}\n\nafter a blank line`]];
  const widths = [null, null, 40];
  expect(renderTable(['seq', 'name', 'error'], rows, widths, false)).toBe(oneTable(['seq', 'name', 'error'], rows.map((r) => [r[0], r[1], r[2]]), [5, 6, 40]));
});
