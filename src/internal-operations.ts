import { z } from 'zod';
import { MAX_TIMER_MS, MAX_TIMER_TEXT } from './timer-limits.ts';

/**
 * The operations a symbol with `dispatch: internal` can run inside a worker thread, with the
 * parameters each one takes. The manifest validator checks parameters against these schemas
 * before anything runs; the executor (actors/executor/) implements each name.
 * An operation is `parameters.operation`, else the symbol's name.
 */
export const INTERNAL_OPERATION_PARAMS = {
  noop: z.object({}).loose(),
  echo: z.object({ message: z.unknown().optional() }).loose(),
  delay: z.object({ ms: z.number().int().nonnegative().max(MAX_TIMER_MS, `must be at most ${MAX_TIMER_TEXT}`) }).loose(),
  fail: z
    .object({ message: z.string().optional(), times: z.number().int().positive().optional() })
    .loose(),
  'state.set': z.object({ key: z.string().min(1), value: z.unknown() }).loose(),
  'state.get': z.object({ key: z.string().min(1) }).loose(),
  log: z
    .object({
      message: z.string(),
      level: z.enum(['error', 'warn', 'info', 'debug', 'verbose']).optional(),
    })
    .loose(),
  /** Runs the default export of a JS/TS module (path relative to the manifest) in the thread. */
  module: z.object({ module: z.string().min(1), export: z.string().optional() }).loose(),
} as const;

export type InternalOperation = keyof typeof INTERNAL_OPERATION_PARAMS;
export const INTERNAL_OPERATIONS = Object.keys(INTERNAL_OPERATION_PARAMS) as InternalOperation[];

export function isInternalOperation(name: string): name is InternalOperation {
  return Object.hasOwn(INTERNAL_OPERATION_PARAMS, name);
}

/** The operation a symbol runs: `parameters.operation` when it is a string, else its name. */
export function operationOf(symbol: { name: string; parameters: Record<string, unknown> }): string {
  const op = symbol.parameters.operation;
  return typeof op === 'string' ? op : symbol.name;
}
