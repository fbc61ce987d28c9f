import { expect, test } from 'bun:test';
import { rowsForClients } from '../../src/dashboard/server/rows-for-clients.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalTail } from '../../src/store/bulk-journal-reader.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import type { TransitionRecord } from '../../src/store/types.ts';
import { batch, newRun, newTask, transition } from '../store-conformance.ts';

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

test('rows read from a database file (decoded when first read) go out as plain rows: no stack, no stored text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-rows-for-clients-'));
  const store = new SqliteStore(join(dir, 'state.db'));
  const tail = new JournalTail(store);
  try {
    store.createRun(newRun('r', { totalTasks: 1 }), [newTask('r', 'a')]);
    const error = { name: 'Error', code: '42', message: 'kaboom', stack: 'Error: kaboom\n    at /srv/swarm/actors/executor/execute-request.ts:31:37' };
    store.commit(batch({ transitions: [transition('r', { actorId: 'task:a', from: 'running', to: 'failed', event: 'task.failed', payload: { attempt: 1, error } }), transition('r', { actorId: 'task:b', payload: { attempt: 1 } })] }));
    const rows = tail.after('r', 0, 10);
    expect(rows).toHaveLength(2);
    for (const sent of rowsForClients(rows).map((r) => JSON.parse(JSON.stringify(r)))) {
      expect(Object.keys(sent).sort()).toEqual(['actorId', 'actorKind', 'at', 'event', 'from', 'payload', 'runId', 'seq', 'to']);
      expect(JSON.stringify(sent)).not.toContain('execute-request.ts');
    }
    expect(JSON.parse(JSON.stringify(rowsForClients(rows)[0])).payload).toEqual({ attempt: 1, error: { name: 'Error', code: '42', message: 'kaboom' } });
  } finally {
    tail.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
