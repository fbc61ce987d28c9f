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

export function viewRawSymbols(data: unknown): RawSymbolView[] {
  const symbols = isMapping(data) ? data.symbols : undefined;
  if (!Array.isArray(symbols)) return [];
  return symbols.flatMap((symbol, index): RawSymbolView[] => {
    if (!isMapping(symbol)) return [];
    const dependencies = Array.isArray(symbol.dependencies) ? symbol.dependencies : [];
    return [
      {
        index,
        ...viewRollbackLike(symbol),
        dependencies: dependencies.flatMap((name, i) => (typeof name === 'string' ? [{ name, index: i }] : [])),
        ...(isMapping(symbol.rollback) && { rollback: viewRollbackLike(symbol.rollback) }),
      },
    ];
  });
}

function viewRollbackLike(entry: Record<string, unknown>): RawRollbackView {
  const parameters = entry.parameters === undefined ? {} : isMapping(entry.parameters) ? entry.parameters : undefined;
  return {
    ...(typeof entry.name === 'string' && { name: entry.name }),
    dispatch: entry.dispatch,
    ...(parameters !== undefined && { parameters }),
  };
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
