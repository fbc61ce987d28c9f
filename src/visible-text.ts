/**
 * A name or other text a user wrote, as a message quotes it: characters that print as nothing
 * or as a blank (control characters, format characters such as a zero-width space or a
 * direction mark, line and paragraph separators, spaces other than the plain one, lone
 * surrogates) become escapes, `\u200b`, `\u{e0001}`, so `x\u200by` does not look like the
 * valid `xy`. Other letters (`café`, `日本語`) are shown as they are.
 */

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]|(?! )\p{Zs}/gu;

function escaped(c: string): string {
  const point = c.codePointAt(0)!;
  return point > 0xffff ? `\\u{${point.toString(16)}}` : `\\u${point.toString(16).padStart(4, '0')}`;
}

/** `text` with its invisible characters escaped (see above); for text quoted as `"${…}"`. */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, escaped);
}

/**
 * `text` as a JSON string (quoted, `"` and `\` escaped) with its invisible characters escaped
 * as well; JSON.stringify leaves a zero-width space or a direction mark as it is. The escapes
 * are JSON's own, so the result is still the JSON of `text`.
 */
export function visibleJson(text: string): string {
  return JSON.stringify(text).replace(INVISIBLE, escaped);
}
