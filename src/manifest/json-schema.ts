import { z } from 'zod';
import { buildManifestSchema } from './schema.ts';

/**
 * The manifest's JSON Schema (draft 2020-12) for editors and `swarm schema`. It describes what
 * may be written (so defaulted fields are optional); checks that span symbols, such as
 * unknown dependencies or cycles, and internal operation arguments are not expressible here.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(buildManifestSchema(), { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
