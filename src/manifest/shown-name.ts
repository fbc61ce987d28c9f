import { visibleText } from '../visible-text.ts';
import { SYMBOL_NAME_MAX_LENGTH } from './schema.ts';

/**
 * A name, key or operation from the manifest as a message shows it, between quotes: its
 * invisible characters escaped (src/visible-text.ts: `x\u200by`, not a `xy` that looks valid),
 * and cut as cutName says.
 */
export function shownName(text: string): string {
  return visibleText(cutName(text));
}

/**
 * A name whole when it is no longer than a valid name may be, else its first
 * SYMBOL_NAME_MAX_LENGTH characters and "…" (a dependency named with 100,000 characters made a
 * 200 KB message). For a message that quotes it as JSON (visibleJson); else see shownName.
 */
export function cutName(text: string): string {
  if (text.length <= SYMBOL_NAME_MAX_LENGTH) return text;
  let end = SYMBOL_NAME_MAX_LENGTH;
  // Not half of a character written as two UTF-16 units.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
