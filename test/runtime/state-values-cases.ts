/**
 * The run of test/fixtures/modules/state-values.ts that the local-thread and the remote-worker
 * tests both make, and what each of its tasks must end as.
 */
import { expect } from 'bun:test';
import type { RunResult } from '../../src/run-result.ts';
import { manifest, sym, taskOf } from './helpers.ts';

const valueSym = (exportName: string, extra: Record<string, unknown> = {}) =>
  sym(exportName, { retries: 0, ...extra, parameters: { operation: 'module', module: './state-values.ts', export: exportName } });

/** The manifest both the local and the remote test run, and what each task must end as. */
export const valuesManifest = () =>
  manifest('state-values', [
    valueSym('nested'),
    valueSym('whole'),
    valueSym('bigint'),
    valueSym('missing'),
    valueSym('oddLogs'),
    valueSym('output'),
    valueSym('fail', { rollback: { name: 'undo', type: 'action', parameters: { operation: 'module', module: './state-values.ts', export: 'output' } } }),
  ]);

export function expectValues(result: RunResult): void {
  expect(taskOf(result, 'nested')).toMatchObject({ status: 'succeeded', output: { name: 'x', list: [null, null, 2], at: '1970-01-01T00:00:00.000Z' } });
  expect(Object.keys(taskOf(result, 'nested').output as object).sort()).toEqual(['at', 'list', 'name']);
  expect(taskOf(result, 'whole')).toMatchObject({ status: 'succeeded', output: { fn: null, symbol: null } });
  const big = taskOf(result, 'bigint');
  expect(big.status).toBe('failed');
  expect(big.error).toMatchObject({ name: 'StateValueError', code: 'STATE_CALL_INVALID' });
  expect(big.error!.message).toContain('state.set "big": the value cannot be stored as JSON: a BigInt at $.a[1].n');
  expect(big.error!.message).not.toContain('clone');
  // README: state.get gives the stored value, or null (as the HTTP API and the state.get operation do).
  expect(taskOf(result, 'missing')).toMatchObject({ status: 'succeeded', output: { value: null, isNull: true } });
  expect(taskOf(result, 'oddLogs')).toMatchObject({ status: 'succeeded', output: 'logged' });
  expect(taskOf(result, 'output')).toMatchObject({ status: 'succeeded', output: { a: 1, list: [null, 3] } });
  expect(taskOf(result, 'fail')).toMatchObject({ status: 'rolled_back', rollbackOutput: { a: 1, list: [null, 3] } });
}
