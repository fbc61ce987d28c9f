import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadManifestFile, manifestJsonSchema } from '../../src/manifest/index.ts';

const repoFile = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode; description?: string; [key: string]: unknown };

/** Every property in the schema, as `path: node`, walking objects and array items. */
function allProperties(node: SchemaNode, path = ''): [string, SchemaNode][] {
  const own = Object.entries(node.properties ?? {}).flatMap(([name, child]): [string, SchemaNode][] => [
    [`${path}${name}`, child],
    ...allProperties(child, `${path}${name}.`),
  ]);
  return node.items ? [...own, ...allProperties(node.items, `${path}[].`)] : own;
}

describe('manifest JSON Schema', () => {
  const schema = manifestJsonSchema() as SchemaNode;

  test('is a draft 2020-12 object schema with a title and the manifest fields', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBeString();
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['name', 'symbols']);
    expect(schema.additionalProperties).toBe(false);
    // Fields of one's own (x-…), such as a home for YAML anchors, are allowed at the top.
    expect(Object.keys(schema.patternProperties as object)).toEqual(['^x-']);
    expect(Object.keys(schema.properties!)).toEqual(['name', 'version', 'description', 'metadata', 'rollback_policy', 'symbols']);
    const symbol = schema.properties!.symbols.items!;
    expect(symbol.required).toEqual(['name', 'type']);
    expect(symbol.additionalProperties).toBe(false);
    expect(symbol.properties!.retries.default).toBe(3);
    expect(symbol.properties!.timeout.default).toBe(30_000);
    expect(Object.keys(symbol.properties!.rollback.properties!)).toEqual(['name', 'type', 'context', 'dispatch', 'parameters', 'timeout']);
  });

  test('every field has a description', () => {
    const undescribed = allProperties(schema).filter(([, node]) => typeof node.description !== 'string');
    expect(undescribed.map(([path]) => path)).toEqual([]);
  });

  test('docs/manifest.schema.json is up to date (regenerate with scripts/write-manifest-schema.ts)', () => {
    const committed = readFileSync(repoFile('docs/manifest.schema.json'), 'utf8');
    expect(committed).toBe(JSON.stringify(manifestJsonSchema(), null, 2) + '\n');
  });
});

describe('examples', () => {
  const examples = readdirSync(repoFile('examples')).filter((name) => /\.(ya?ml|toml)$/.test(name));

  test('all the expected examples exist', () => {
    for (const name of ['hello.yaml', 'hello.toml', 'retry-and-rollback.yaml', 'spec-example.yaml', 'spec-example.toml']) {
      expect(examples).toContain(name);
    }
  });

  for (const name of examples) {
    test(`${name} validates`, () => {
      expect(() => loadManifestFile(repoFile(`examples/${name}`))).not.toThrow();
    });
  }

  test('YAML examples point editors at the schema', () => {
    for (const name of examples.filter((example) => example.endsWith('.yaml'))) {
      const firstLine = readFileSync(repoFile(`examples/${name}`), 'utf8').split('\n')[0];
      expect(firstLine).toBe('# yaml-language-server: $schema=../docs/manifest.schema.json');
    }
  });

  test('the two spec examples describe the same workflow', () => {
    const yaml = loadManifestFile(repoFile('examples/spec-example.yaml')).manifest;
    const toml = loadManifestFile(repoFile('examples/spec-example.toml')).manifest;
    expect(toml).toEqual(yaml);
  });
});
