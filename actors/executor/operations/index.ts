import type { InternalOperation } from '../../../src/internal-operations.ts';
import type { Operation } from '../operation.ts';
import { delay, echo, fail, noop } from './basic.ts';
import { log, runModule, stateGet, stateSet } from './host-backed.ts';

/** Every internal operation by name; the type makes a missing implementation a compile error. */
export const OPERATIONS: Record<InternalOperation, Operation> = {
  noop,
  echo,
  delay,
  fail,
  'state.set': stateSet,
  'state.get': stateGet,
  log,
  module: runModule,
};
