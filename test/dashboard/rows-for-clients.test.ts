import { expect, test } from 'bun:test';
import { rowsForClients } from '../../src/dashboard/server/rows-for-clients.ts';
import type { TransitionRecord } from '../../src/store/types.ts';

const row = (payload: unknown): TransitionRecord =>
  ({ seq: 1, runId: 'r', actorId: 'task:a', actorKind: 'task', from: 'running', to: 'failed', event: 'task.failed', payload, at: 0 }) as TransitionRecord;

test('errors lose their stacks wherever they sit in a payload; everything else is kept', () => {
  const error = { name: 'SwarmError', code: 'X', message: 'no', stack: 'SwarmError: no\n    at /srv/swarm/actors/x.ts:1:1' };
  const [out] = rowsForClients([row({ attempt: 2, error, settled: [{ task: 'a', error }], note: { stack: 'not an error: no message' } })]);
  expect(out.payload).toEqual({
    attempt: 2,
    error: { name: 'SwarmError', code: 'X', message: 'no' },
    settled: [{ task: 'a', error: { name: 'SwarmError', code: 'X', message: 'no' } }],
    note: { stack: 'not an error: no message' },
  });
  // The journal's own row is not changed.
  expect((row({ error }).payload as { error: typeof error }).error.stack).toContain('x.ts');
});

test('a row without a stack in it is passed as it is', () => {
  const plain = row({ attempt: 1, node: 'local' });
  expect(rowsForClients([plain])[0]).toBe(plain);
  const none = row(null);
  expect(rowsForClients([none])[0]).toBe(none);
});
