import { describe, expect, test } from 'bun:test';
import { buildManifestSchema } from '../../src/manifest/schema.ts';
import { parseWithSchema, SYMBOLS_PARSED_IN_PARTS } from '../../src/manifest/schema-parse.ts';
import { readableZodMessages } from '../../src/manifest/schema-issues.ts';

/** What one zod parse of the whole manifest gives: the reference for the parse in parts. */
function wholeParse(data: Record<string, unknown>) {
  const result = buildManifestSchema().safeParse(data, { error: readableZodMessages });
  return result.success ? { success: true, data: result.data } : { success: false, issues: result.error.issues };
}

function symbols(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({ name: `s${i}`, type: 'action', parameters: { operation: 'noop' }, ...(i > 0 && i % 7 === 0 ? { dependencies: [`s${i - 1}`] } : {}) }));
}

const AS_PARSED = { finish: <S>(symbol: S) => symbol };

describe('the manifest schema applied to a big manifest in parts', () => {
  const count = SYMBOLS_PARSED_IN_PARTS + 12_345;

  test('a valid manifest gives the same result as one parse', () => {
    const data = { name: 'big', metadata: { a: 1 }, symbols: symbols(count) };
    const parts = parseWithSchema(buildManifestSchema(), data, AS_PARSED);
    expect(parts.success).toBe(true);
    expect(parts).toEqual(wholeParse(data) as never);
  });

  test('problems anywhere give the same issues, in the same order, as one parse', () => {
    const list = symbols(count);
    list[3] = { ...list[3], type: 'nonsense' };
    list[10_000] = { ...list[10_000], retries: -1, extra: true };
    list[count - 1] = { name: 5 };
    const data = { name: 7, rollback_policy: 'sometimes', unknownTop: 1, symbols: list };
    const parts = parseWithSchema(buildManifestSchema(), data, AS_PARSED);
    expect(parts.success).toBe(false);
    expect(parts).toEqual(wholeParse(data) as never);
  });

  test('below the threshold, and when `symbols` is not a list, it is one parse', () => {
    for (const data of [{ name: 'x', symbols: symbols(3) }, { name: 'x', symbols: 'many' }, { name: 'x' }]) {
      expect(parseWithSchema(buildManifestSchema(), data, AS_PARSED)).toEqual(wholeParse(data) as never);
    }
  });

  test('consuming: each symbol as written is replaced by its finished form, and the result is the same', () => {
    const data = { name: 'big', symbols: symbols(count) };
    const expected = wholeParse({ name: 'big', symbols: symbols(count) });
    const finish = (symbol: object) => ({ ...symbol, finished: true });
    const parts = parseWithSchema(buildManifestSchema(), data, { finish, consume: true });
    if (!parts.success || !expected.success) throw new Error('both parses should succeed');
    expect(parts.data).toEqual({ ...expected.data, symbols: expected.data!.symbols.map(finish) } as never);
    expect(data.symbols).toHaveLength(count);
    for (let i = 0; i < count; i++) if (data.symbols[i] !== parts.data.symbols[i]) throw new Error(`symbol ${i} was not replaced`);
  });

  test('consuming a manifest with problems leaves its symbols as written from the first bad part on', () => {
    const list = symbols(count);
    list[25_000] = { ...list[25_000], type: 'nonsense' };
    const data = { name: 'big', symbols: list.slice() };
    const parts = parseWithSchema(buildManifestSchema(), data, { finish: (symbol) => ({ ...symbol }), consume: true });
    expect(parts.success).toBe(false);
    expect(data.symbols.slice(20_000)).toEqual(list.slice(20_000));
    for (let i = 20_000; i < count; i++) if (data.symbols[i] !== list[i]) throw new Error(`symbol ${i} was replaced`);
  });
});
