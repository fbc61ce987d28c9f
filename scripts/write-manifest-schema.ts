/**
 * Regenerates docs/manifest.schema.json from the zod schema in src/manifest/.
 * Run after changing the manifest schema: `node_modules/.bin/bun scripts/write-manifest-schema.ts`
 * (test/manifest/json-schema.test.ts fails while the committed file is stale).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { manifestJsonSchema } from '../src/manifest/index.ts';

const target = fileURLToPath(new URL('../docs/manifest.schema.json', import.meta.url));
writeFileSync(target, JSON.stringify(manifestJsonSchema(), null, 2) + '\n');
console.log(`wrote ${target}`);
