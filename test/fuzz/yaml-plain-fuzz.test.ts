import { expect, test } from 'bun:test';
import { plainYamlLocator, readPlainYaml } from '../../src/manifest/yaml-plain.ts';
import { writeYaml } from './gen-yaml-text.ts';
import { caseCount, caseIndexes, fuzzSeed, Rng, testTimeout } from './prng.ts';
import { agreementOver } from './reader-agreement.ts';

/**
 * The plain YAML reader against the full one, on seeded random documents (random data in
 * random styles) and on small edits of them (reader-agreement.ts says what must agree).
 */

const seed = fuzzSeed();
const indexes = caseIndexes(caseCount(3_000));

test(`plain YAML reader agrees with the full reader: ${indexes.length} documents and edits, FUZZ_SEED=${seed}`, () => {
  const { read, readEdited, mismatches } = agreementOver({ read: readPlainYaml, locator: plainYamlLocator }, indexes, (index) => ({
    rng: Rng.forCase(seed, 'yaml-plain', index),
    write: writeYaml,
  }));
  if (mismatches.length > 0) throw new Error(`${mismatches.length} documents read differently:\n\n${mismatches.slice(0, 5).join('\n\n')}`);
  // The comparison means something only if the plain reader reads much of what it is given.
  if (indexes.length >= 100) {
    expect(read).toBeGreaterThan(indexes.length * 0.3);
    expect(readEdited).toBeGreaterThan(indexes.length * 0.05);
  }
}, testTimeout(60_000));
