import { expect, test } from 'bun:test';
import { jsonYamlLocator, readJsonYaml } from '../../src/manifest/yaml-json.ts';
import { writeJson } from './gen-yaml-text.ts';
import { caseCount, caseIndexes, fuzzSeed, Rng, testTimeout } from './prng.ts';
import { agreementOver } from './reader-agreement.ts';

/**
 * The JSON reader against the full YAML reader, on seeded random data written as JSON in
 * random styles and on small edits of it (reader-agreement.ts says what must agree).
 */

const seed = fuzzSeed();
const indexes = caseIndexes(caseCount(3_000));

test(`JSON reader agrees with the full YAML reader: ${indexes.length} documents and edits, FUZZ_SEED=${seed}`, () => {
  const { read, readEdited, mismatches } = agreementOver({ read: readJsonYaml, locator: jsonYamlLocator }, indexes, (index) => ({
    rng: Rng.forCase(seed, 'yaml-json', index),
    write: writeJson,
  }));
  if (mismatches.length > 0) throw new Error(`${mismatches.length} documents read differently:\n\n${mismatches.slice(0, 5).join('\n\n')}`);
  // The comparison means something only if the JSON reader reads much of what it is given.
  if (indexes.length >= 100) {
    expect(read).toBeGreaterThan(indexes.length * 0.5);
    expect(readEdited).toBeGreaterThan(indexes.length * 0.05);
  }
}, testTimeout(60_000));
