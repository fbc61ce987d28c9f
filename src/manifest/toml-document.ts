import { parse, TomlError } from 'smol-toml';
import { ownStringsIn } from './own-strings.ts';
import { textPositions, type DataPath, type Locator, type ReadDocument } from './document.ts';
import { READ_DEPTH_LIMIT, TOO_DEEP_MESSAGE } from './limits.ts';
import { pathKey, scanTomlPlaces, type ScannedPlaces } from './toml-scanner.ts';

/** Reads TOML text into plain data; positions for later issues come from toml-scanner.ts. */
export function readTomlDocument(source: string, file: string | undefined): ReadDocument {
  let data: Record<string, unknown>;
  try {
    // maxDepth bounds arrays and inline tables; deep dotted keys are caught after (too deep to store).
    data = ownStringsIn(datesAsText(parse(source, { maxDepth: READ_DEPTH_LIMIT })));
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // The message carries a code frame after the first line; the position is reported apart.
    const reason = error.message.split('\n')[0].replace(/^Invalid TOML document:\s*/, '');
    const message = /excessively nested/.test(reason) ? `TOML error: ${TOO_DEEP_MESSAGE}` : `TOML syntax error: ${reason}`;
    return {
      data: undefined,
      syntaxIssues: [{ ...(file !== undefined && { file }), line: error.line, column: error.column, message }],
      locate: () => ({}),
    };
  }
  // A TOML file of only comments parses to {}: report it as empty rather than as missing keys.
  const isEmpty = Object.keys(data).length === 0;
  return { data: isEmpty ? undefined : data, syntaxIssues: [], locate: createTomlLocator(source, data) };
}

function createTomlLocator(source: string, data: unknown): Locator {
  let places: ScannedPlaces | undefined; // scanned on first use: valid manifests never need it
  const toPosition = textPositions(source);
  return (path, target) => {
    places ??= onlyIfConsistent(scanTomlPlaces(source), data);
    // The path itself, else the nearest enclosing table, array or inline table that is written.
    for (let length = path.length; length > 0; length--) {
      const place = places.get(pathKey(path.slice(0, length)));
      if (place === undefined) continue;
      const wantsKey = target === 'key' && length === path.length;
      return toPosition(wantsKey ? place.keyOffset : place.valueOffset);
    }
    return {};
  };
}

/** Self-check of the scanner: if it saw any path the real parser did not produce, trust none. */
function onlyIfConsistent(places: ScannedPlaces, data: unknown): ScannedPlaces {
  for (const key of places.keys()) {
    if (!existsAt(data, JSON.parse(key) as DataPath)) return new Map();
  }
  return places;
}

function existsAt(data: unknown, path: DataPath): boolean {
  let node = data;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return false;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return true;
}

/**
 * TOML date-times become their TOML text (`1979-05-27T07:32:00Z`, `1979-05-27`): a manifest's
 * values are JSON, the same on every node, and a Date would reach a thread as a Date but a
 * remote worker as a string. Iterative: the data may be READ_DEPTH_LIMIT deep.
 */
function datesAsText<T>(data: T): T {
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown> | unknown[];
    for (const key of Object.keys(node)) {
      const value = (node as Record<string, unknown>)[key];
      if (value instanceof Date) (node as Record<string, unknown>)[key] = value.toISOString();
      else if (value !== null && typeof value === 'object') stack.push(value);
    }
  }
  return data;
}
