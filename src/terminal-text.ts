/**
 * Text for a terminal, with the control characters in it made visible. What the CLI and the
 * console log print carries text they did not write (a workflow's name, an error message from a
 * module, a key of a bad manifest); written raw, an escape sequence in it could move the cursor, clear the screen,
 * rename the window, make a link or hide the rest of the line (SGR 8, or black on black). Each
 * control character becomes its `\xNN` escape; tabs and newlines stay. With `colours` on (the
 * stream is a terminal, NO_COLOR unset) the colour sequences the CLI and its console log write
 * stay too (statuses, table borders, log levels: a few foreground colours, bold and their
 * resets), which can only colour text; a status is always written as its word. With colours
 * off every escape sequence is made visible.
 */

/** SGR parameters the CLI (colour.ts, its tables) and pino-pretty use: reset, bold, normal, red…cyan, default, grey. */
const PALETTE = '(?:0|1|22|3[1-6]|39|90)';
// C0 controls but tab and newline, DEL, C1 controls; ESC only where it does not start a colour of the palette.
const CONTROL = new RegExp(`\x1b(?!\\[${PALETTE}(?:;${PALETTE})*m)|[\\x00-\\x08\\x0b-\\x1a\\x1c-\\x1f\\x7f-\\x9f]`, 'g');
/** Every control character but tab and newline, ESC included. */
const EVERY_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

export function terminalText(text: string, colours = true): string {
  return text.replace(colours ? CONTROL : EVERY_CONTROL, visible);
}

/** Every control character but newline, colour sequences' ESC included. */
const CELL_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/g;

/**
 * Text for a table cell, escaped before the table is laid out: the layout counts an escape as
 * the four columns it prints, where a control character escaped only when printed was counted
 * as none and pushed its row's border out. Colour sequences in it (text the CLI did not write)
 * are escaped too, and a tab is a space: a cell's width is what it prints. Newlines stay.
 */
export function cellText(text: string): string {
  return text.replace(/\t/g, ' ').replace(CELL_CONTROL, visible);
}

function visible(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * JSON text for a terminal. JSON.stringify escapes C0 controls but not DEL and the C1 range,
 * which some terminals obey (U+009B starts a control sequence): those become `\u00NN` escapes,
 * which leave the JSON as it was.
 */
export function jsonForTerminal(json: string): string {
  return json.replace(/[\x7f-\x9f]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}
