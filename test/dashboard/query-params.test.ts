import { expect, test } from 'bun:test';
import { journalPage } from '../../src/dashboard/server/journal-page.ts';
import { intParam } from '../../src/dashboard/server/query-params.ts';
import type { SwarmStore } from '../../src/store/types.ts';

test('a whole-number parameter takes every safe integer, up to the largest its message names, and nothing past it', () => {
  const read = (value: string) => intParam(new URLSearchParams({ limit: value }), 'limit', 0);
  expect(read('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
  expect(read('0')).toBe(0);
  for (const bad of ['9007199254740992', '99999999999999999', '-1', '1.5', '0x10', '']) {
    expect(() => read(bad)).toThrow('limit expects a whole number from 0 to 9007199254740991');
  }
});

test("the journal's filters name their query parameters, not the CLI's options", () => {
  const store = { getTransitions: () => [] } as unknown as SwarmStore;
  expect(() => journalPage(store, 'r', new URLSearchParams({ kind: 'zzz' }))).toThrow('query parameter kind: unknown "zzz"');
  expect(() => journalPage(store, 'r', new URLSearchParams({ symbol: 'a', actor: 'task:a' }))).toThrow(
    'query parameter symbol and query parameter actor both name one actor',
  );
});
