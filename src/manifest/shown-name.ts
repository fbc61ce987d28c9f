import { SYMBOL_NAME_MAX_LENGTH } from './schema.ts';

/**
 * A name, key or operation from the manifest as a message shows it: whole when it is no longer
 * than a valid name may be, else its first SYMBOL_NAME_MAX_LENGTH characters and "…" (a
 * dependency named with 100,000 characters made a 200 KB message).
 */
export function shownName(text: string): string {
  if (text.length <= SYMBOL_NAME_MAX_LENGTH) return text;
  let end = SYMBOL_NAME_MAX_LENGTH;
  // Not half of a character written as two UTF-16 units.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
