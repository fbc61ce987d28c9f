import type { ManifestIssue } from '../errors.ts';

/**
 * What a format reader (YAML or TOML) hands to the validator: the plain data, the problems
 * found while reading it, and a way back from a data path to a place in the text.
 */

/** A path into the manifest data, e.g. `['symbols', 2, 'dependencies', 1]`. */
export type DataPath = readonly (string | number)[];

export interface TextPosition {
  line?: number;
  column?: number;
}

/**
 * Maps a data path to a 1-based position in the source. `'value'` asks for the value at the
 * path (or, when the path does not exist, the nearest enclosing mapping that does); `'key'`
 * asks for the key itself, for problems such as unknown fields. Returns `{}` when unsure.
 */
export type Locator = (path: DataPath, target: 'value' | 'key') => TextPosition;

export interface ReadDocument {
  /** The plain data, or undefined when the text could not be read as a document. */
  data: unknown;
  /** Syntax problems, already positioned; when non-empty `data` is not validated. */
  syntaxIssues: ManifestIssue[];
  /**
   * Problems that leave the text readable (a key given twice, the last one kept): `data` is
   * still validated, and these are listed among its problems, so one pass shows them all.
   */
  readIssues?: ManifestIssue[];
  /**
   * Whether validation may replace the symbols in `data` as it parses them (to free them
   * early): true when `locate` never reads `data` (the YAML readers place issues from the text
   * and its node tree; the TOML locator checks its scan against the data when first asked).
   */
  consumable?: boolean;
  locate: Locator;
}

/** Offsets in `text` to 1-based lines and columns (columns in UTF-16 units, as the readers count). */
export function textPositions(text: string): (offset: number) => TextPosition {
  let count = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  const lineStarts = new Int32Array(count);
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts[n++] = i + 1;
  return (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - lineStarts[low] + 1 };
  };
}
