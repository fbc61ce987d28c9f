import {
  INTERNAL_OPERATION_PARAMS,
  INTERNAL_OPERATIONS,
  isInternalOperation,
  operationOf,
} from '../internal-operations.ts';
import type { DataPath } from './document.ts';
import { isValidSymbolName, type IssueDraft } from './issue-builder.ts';
import type { RawRollbackView, RawSymbolView } from './raw-symbols.ts';
import { draftsFromZodIssues, readableZodMessages } from './schema-issues.ts';
import { SYMBOL_DEFAULTS } from './types.ts';
import { didYouMean } from './suggest.ts';
import { shownName } from './shown-name.ts';

/**
 * For symbols and rollbacks with `dispatch: internal`, checks that the operation exists and
 * that its arguments fit the operation's schema, so a typo fails validation instead of a run.
 */
export function checkInternalOperations(symbols: readonly RawSymbolView[]): IssueDraft[] {
  // A loop that allocates nothing for a symbol without a problem (no iterator, no closure):
  // a manifest may have a million.
  const drafts: IssueDraft[] = [];
  const argless = new Map<string, boolean>();
  for (let at = 0; at < symbols.length; at++) {
    const symbol = symbols[at];
    checkOne(symbol, symbol.index, false, drafts, argless);
    if (symbol.rollback) checkOne(symbol.rollback, symbol.index, true, drafts, argless);
  }
  return drafts;
}

/** Where a symbol (or its rollback) is in the manifest. */
function entryPath(index: number, rollback: boolean): DataPath {
  return rollback ? ['symbols', index, 'rollback'] : ['symbols', index];
}

/**
 * Adds the entry's problems to `drafts`. `argless` remembers, per operation, whether it takes
 * no arguments: the usual case (`parameters: { operation: noop }`) needs no parse each time.
 */
function checkOne(entry: RawRollbackView, index: number, rollback: boolean, drafts: IssueDraft[], argless: Map<string, boolean>): void {
  const dispatch = entry.dispatch ?? SYMBOL_DEFAULTS.dispatch;
  // Parameters that are not a mapping are the schema's to report.
  if (dispatch !== 'internal' || entry.parameters === undefined) return;
  const parameters = entry.parameters;
  if (parameters.operation !== undefined && typeof parameters.operation !== 'string') {
    drafts.push({ path: [...entryPath(index, rollback), 'parameters', 'operation'], message: 'must be a string naming an internal operation' });
    return;
  }
  // Without a usable name (the schema reports it) only a parameters.operation can be checked.
  if (entry.name === undefined && typeof parameters.operation !== 'string') return;
  const operation = operationOf({ name: entry.name ?? '', parameters });
  if (!isInternalOperation(operation)) {
    // An invalid name is already reported; calling it an unknown operation too would be noise.
    const fromName = typeof parameters.operation !== 'string';
    if (!(fromName && !isValidSymbolName(entry.name))) drafts.push(unknownOperation(operation, parameters, entryPath(index, rollback)));
    return;
  }
  if (hasOnlyOperation(parameters)) {
    let fine = argless.get(operation);
    if (fine === undefined) argless.set(operation, (fine = INTERNAL_OPERATION_PARAMS[operation].safeParse({}).success));
    if (fine) return;
  }
  const { operation: _operation, ...args } = parameters;
  const result = INTERNAL_OPERATION_PARAMS[operation].safeParse(args, { error: readableZodMessages });
  if (result.success) return;
  const path = entryPath(index, rollback);
  for (const draft of draftsFromZodIssues(result.error.issues, args)) {
    drafts.push({ ...draft, path: [...path, 'parameters', ...draft.path], message: `${draft.message}, for internal operation "${operation}"` });
  }
}

/** No key but `operation` (or none at all), without building a list of keys. */
function hasOnlyOperation(parameters: Record<string, unknown>): boolean {
  for (const key in parameters) if (key !== 'operation' && Object.hasOwn(parameters, key)) return false;
  return true;
}

function unknownOperation(operation: string, parameters: Record<string, unknown>, path: DataPath): IssueDraft {
  const known = `known operations: ${INTERNAL_OPERATIONS.join(', ')}`;
  const hint = didYouMean(operation, INTERNAL_OPERATIONS);
  if (typeof parameters.operation === 'string') {
    return {
      path: [...path, 'parameters', 'operation'],
      message: `unknown internal operation "${shownName(operation)}"${hint}; ${known}`,
    };
  }
  return {
    path: [...path, 'name'],
    message:
      `no internal operation "${shownName(operation)}" ` +
      `(without parameters.operation, the symbol's name is the operation)${hint}; ` +
      `set parameters.operation or choose another dispatch; ${known}`,
  };
}
