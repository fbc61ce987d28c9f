import { describe, expect, test } from 'bun:test';
import { heapStats } from 'bun:jsc';
import { parseManifest } from '../../src/manifest/index.ts';
import { ownStringsIn } from '../../src/manifest/own-strings.ts';

/** Memory outside the JS cells (string buffers among it) after full collections. */
function outsideMemory(): number {
  Bun.gc(true);
  Bun.gc(true);
  return heapStats().extraMemorySize;
}

const PADDING = 20_000_000;

/** A manifest text with a 20 MB comment, made and dropped inside: only what the parse returns keeps anything. */
function keptFromManifest(format: 'yaml' | 'toml', body: (pad: string) => string): string[] {
  const manifest = parseManifest(body(`#${'p'.repeat(PADDING)}\n`).slice(0), { format }).manifest;
  const symbol = manifest.symbols[0];
  return [manifest.name, symbol.name, String((symbol.parameters as { message: string }).message)];
}

describe('values kept from a manifest do not keep the file\'s text', () => {
  const readers: [string, 'yaml' | 'toml', (pad: string) => string][] = [
    ['plain YAML', 'yaml', (pad) => `name: a-long-workflow-name\n${pad}symbols:\n  - name: a-long-symbol-name\n    type: action\n    parameters: {operation: echo, message: "a quoted long value"}\n`],
    ['YAML with an anchor (the full reader)', 'yaml', (pad) => `name: a-long-workflow-name\nx-a: &a {type: action}\n${pad}symbols:\n  - {<<: *a, name: a-long-symbol-name, parameters: {operation: echo, message: a long plain value}}\n`],
    ['TOML', 'toml', (pad) => `name = "a-long-workflow-name"\n${pad}[[symbols]]\nname = "a-long-symbol-name"\ntype = "action"\nparameters = { operation = "echo", message = "a long basic string" }\n`],
  ];
  for (const [reader, format, body] of readers) {
    test(`${reader}: the name and values, kept, hold a few bytes, not the 20 MB text`, () => {
      const before = outsideMemory();
      const kept = keptFromManifest(format, body);
      expect(kept[0]).toBe('a-long-workflow-name');
      expect(kept[1]).toBe('a-long-symbol-name');
      const grown = outsideMemory() - before;
      expect(grown).toBeLessThan(PADDING / 4);
    });
  }

  test('a long string an alias shares is copied once, not once per place', () => {
    const before = outsideMemory();
    const kept = (() => {
      const text = `name: shared\nx-s: &s "${'s'.repeat(1_000_000)}"\nsymbols:\n${Array.from({ length: 200 }, (_, i) => `  - { name: s${i}, type: action, parameters: { operation: echo, message: *s } }`).join('\n')}\n`;
      return parseManifest(text, { format: 'yaml' }).manifest;
    })();
    expect(kept.symbols).toHaveLength(200);
    // One copy is 1 MB (2 as UTF-16 at most); one per place would be 200 MB.
    expect(outsideMemory() - before).toBeLessThan(50_000_000);
  });

  test('ownStringsIn replaces strings at any depth, and ends on data that contains itself', () => {
    const cyclic: Record<string, unknown> = { a: ['x'.repeat(20), { b: 'short' }], n: 1 };
    cyclic.self = cyclic;
    expect(ownStringsIn(cyclic)).toBe(cyclic);
    expect(cyclic.a).toEqual(['x'.repeat(20), { b: 'short' }]);
  });
});
