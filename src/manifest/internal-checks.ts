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

/**
 * For symbols and rollbacks with `dispatch: internal`, checks that the operation exists and
 * that its arguments fit the operation's schema, so a typo fails validation instead of a run.
 */
export function checkInternalOperations(symbols: readonly RawSymbolView[]): IssueDraft[] {
  return symbols.flatMap((symbol) => [
    ...checkOne(symbol, ['symbols', symbol.index]),
    ...(symbol.rollback ? checkOne(symbol.rollback, ['symbols', symbol.index, 'rollback']) : []),
  ]);
}

function checkOne(entry: RawRollbackView, path: DataPath): IssueDraft[] {
  const dispatch = entry.dispatch ?? SYMBOL_DEFAULTS.dispatch;
  // A name that is not a string or parameters that are not a mapping are the schema's to report.
  if (dispatch !== 'internal' || entry.name === undefined || entry.parameters === undefined) return [];
  const parameters = entry.parameters;
  if (parameters.operation !== undefined && typeof parameters.operation !== 'string') {
    return [{ path: [...path, 'parameters', 'operation'], message: 'must be a string naming an internal operation' }];
  }
  const operation = operationOf({ name: entry.name, parameters });
  if (!isInternalOperation(operation)) {
    // An invalid name is already reported; calling it an unknown operation too would be noise.
    const fromName = typeof parameters.operation !== 'string';
    return fromName && !isValidSymbolName(entry.name) ? [] : [unknownOperation(operation, parameters, path)];
  }
  const { operation: _operation, ...args } = parameters;
  const result = INTERNAL_OPERATION_PARAMS[operation].safeParse(args, { error: readableZodMessages });
  if (result.success) return [];
  return draftsFromZodIssues(result.error.issues, args).map((draft) => ({
    ...draft,
    path: [...path, 'parameters', ...draft.path],
    message: `${draft.message}, for internal operation "${operation}"`,
  }));
}

function unknownOperation(operation: string, parameters: Record<string, unknown>, path: DataPath): IssueDraft {
  const known = `known operations: ${INTERNAL_OPERATIONS.join(', ')}`;
  const hint = didYouMean(operation, INTERNAL_OPERATIONS);
  if (typeof parameters.operation === 'string') {
    return {
      path: [...path, 'parameters', 'operation'],
      message: `unknown internal operation "${operation}"${hint}; ${known}`,
    };
  }
  return {
    path: [...path, 'name'],
    message:
      `no internal operation "${operation}" ` +
      `(without parameters.operation, the symbol's name is the operation)${hint}; ` +
      `set parameters.operation or choose another dispatch; ${known}`,
  };
}
