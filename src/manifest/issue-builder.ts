import type { ManifestIssue } from '../errors.ts';
import type { DataPath, Locator } from './document.ts';
import { SYMBOL_NAME_MAX_LENGTH, SYMBOL_NAME_PATTERN } from './schema.ts';
import { shownName } from './shown-name.ts';

/** A problem found by a check, before it is given a file, a position, a symbol and a field. */
export interface IssueDraft {
  path: DataPath;
  message: string;
  /** Point at the key rather than its value (unknown fields). Default 'value'. */
  at?: 'key' | 'value';
  /** Another place the message speaks of (the first use of a duplicate name): its line is added. */
  other?: DataPath;
}

export type IssueBuilder = (draft: IssueDraft) => ManifestIssue;

/**
 * Turns drafts into ManifestIssues. Paths under `symbols[i]` are reported as the symbol's name
 * (or `#i`, the 0-based index, when it has no valid name) plus the rest of the path as `field`.
 */
export function createIssueBuilder(context: { file?: string; data: unknown; locate: Locator }): IssueBuilder {
  return ({ path, message, at = 'value', other }) => {
    const { line, column } = context.locate(path, at);
    const otherLine = other === undefined ? undefined : context.locate(other, 'value').line;
    if (otherLine !== undefined) message = `${message}, at line ${otherLine}`;
    const isUnderSymbol = path[0] === 'symbols' && typeof path[1] === 'number';
    const symbol = isUnderSymbol ? symbolLabel(context.data, path[1] as number) : undefined;
    const field = formatField(isUnderSymbol ? path.slice(2) : path);
    return {
      ...(context.file !== undefined && { file: context.file }),
      ...(line !== undefined && { line }),
      ...(column !== undefined && { column }),
      ...(symbol !== undefined && { symbol }),
      ...(field !== undefined && { field }),
      message,
    };
  };
}

/** `['dependencies', 1]` → `dependencies[1]`, `['rollback', 'type']` → `rollback.type`. */
export function formatField(path: DataPath): string | undefined {
  let field = '';
  for (const segment of path) {
    field += typeof segment === 'number' ? `[${segment}]` : field === '' ? shownName(segment) : `.${shownName(segment)}`;
  }
  return field === '' ? undefined : field;
}

/** A symbol without a usable name is `#n`, counted from 1 as lines are (and as other messages count symbols). */
function symbolLabel(data: unknown, index: number): string {
  const symbols = (data as { symbols?: unknown } | undefined)?.symbols;
  const name = Array.isArray(symbols) ? (symbols[index] as { name?: unknown } | undefined)?.name : undefined;
  return isValidSymbolName(name) ? name : `#${index + 1}`;
}

export function isValidSymbolName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= SYMBOL_NAME_MAX_LENGTH && SYMBOL_NAME_PATTERN.test(name);
}
