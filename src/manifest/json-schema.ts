import { z } from 'zod';
import { EXTENSION_PREFIX } from './extension-fields.ts';
import { buildManifestSchema } from './schema.ts';

/**
 * The manifest's JSON Schema (draft 2020-12) for editors and `swarm schema`. It describes what
 * may be written (so defaulted fields are optional); checks that span symbols, such as
 * unknown dependencies or cycles, and internal operation arguments are not expressible here.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(buildManifestSchema(), { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  // Fields of the author's own (extension-fields.ts), which validation leaves out before the schema.
  return { ...schema, patternProperties: { [`^${EXTENSION_PREFIX}`]: { description: 'A field of your own, ignored by the swarm and not stored with runs: a home for YAML anchors.' } } };
}
