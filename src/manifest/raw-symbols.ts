/**
 * A forgiving view of the symbols as written, for the checks that span symbols. It keeps
 * whatever is usable even when the schema rejected part of a symbol, so that one bad field
 * does not hide every other problem in the file.
 */

export interface RawRollbackView {
  /** The name when it is a string. */
  name?: string;
  /** As written; undefined means the default (`internal`). */
  dispatch: unknown;
  /** The parameters when they are a mapping or absent ({}); undefined when they are not a mapping. */
  parameters?: Record<string, unknown>;
}

export interface RawSymbolView extends RawRollbackView {
  /** Position in `symbols`, 0-based. */
  index: number;
  /** The string entries of `dependencies`, with their positions in the list. */
  dependencies: { name: string; index: number }[];
  rollback?: RawRollbackView;
}

/** Shared by every symbol without usable dependencies (most of a big fan-out); never written to. */
const NO_DEPENDENCIES: RawSymbolView['dependencies'] = Object.freeze([]) as unknown as RawSymbolView['dependencies'];

const NO_PARAMETERS: Record<string, unknown> = Object.freeze({});

export function viewRawSymbols(data: unknown): RawSymbolView[] {
  const symbols = isMapping(data) ? data.symbols : undefined;
  if (!Array.isArray(symbols)) return [];
  // Plain loops and one object per symbol: this runs over every symbol of a manifest that may
  // have a million.
  const views: RawSymbolView[] = [];
  for (let index = 0; index < symbols.length; index++) {
    const symbol: unknown = symbols[index];
    if (!isMapping(symbol)) continue;
    const view = viewRollbackLike(symbol) as RawSymbolView;
    view.index = index;
    view.dependencies = dependenciesOf(symbol.dependencies);
    if (isMapping(symbol.rollback)) view.rollback = viewRollbackLike(symbol.rollback);
    views.push(view);
  }
  return views;
}

function dependenciesOf(listed: unknown): RawSymbolView['dependencies'] {
  if (!Array.isArray(listed) || listed.length === 0) return NO_DEPENDENCIES;
  const dependencies: RawSymbolView['dependencies'] = [];
  for (let i = 0; i < listed.length; i++) {
    const name: unknown = listed[i];
    if (typeof name === 'string') dependencies.push({ name, index: i });
  }
  return dependencies;
}

function viewRollbackLike(entry: Record<string, unknown>): RawRollbackView {
  const parameters = entry.parameters === undefined ? NO_PARAMETERS : isMapping(entry.parameters) ? entry.parameters : undefined;
  const view: RawRollbackView = { dispatch: entry.dispatch };
  if (typeof entry.name === 'string') view.name = entry.name;
  if (parameters !== undefined) view.parameters = parameters;
  return view;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
