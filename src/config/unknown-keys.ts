import { z } from 'zod';
import { closestMatch } from '../manifest/suggest.ts';

/**
 * Finds keys in a raw config that the schema does not know. Unknown keys are warnings, not
 * errors (a newer file should still load in an older swarm), so the schema strips them and this
 * walk names them, with a guess at the key that was meant. The walk reads the schema's own shape,
 * so a key added to the schema is known here without a second list.
 */

/** Peels defaults, optionals and transforms off a schema to reach the object inside, if any. */
function objectInside(schema: z.core.$ZodType): z.ZodObject | undefined {
  if (schema instanceof z.ZodObject) return schema;
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional) {
    return objectInside(schema.unwrap());
  }
  if (schema instanceof z.ZodPipe) return objectInside(schema.in);
  return undefined;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Every key path the schema knows, e.g. "dispatcher.bind", "worker.capabilities.rust". */
export function knownKeyPaths(schema: z.core.$ZodType, prefix = ''): string[] {
  const object = objectInside(schema);
  if (object === undefined) return [];
  return Object.entries(object.shape).flatMap(([key, child]) => {
    const path = prefix + key;
    const nested = knownKeyPaths(child, path + '.');
    return nested.length > 0 ? nested : [path];
  });
}

/** Leaf key name -> full path; a name in several sections (auth_token) maps to its first one. */
function pathsByName(allPaths: string[]): Map<string, string> {
  const byName = new Map<string, string>();
  for (const path of allPaths) {
    const name = path.slice(path.lastIndexOf('.') + 1);
    if (!byName.has(name)) byName.set(name, path);
  }
  return byName;
}

/**
 * A likely intended key as a full path: a near spelling in the same table, else the same or a
 * near name in another table (e.g. `auth_token` put under [coordinator]).
 */
function suggestion(key: string, prefix: string, siblings: string[], byName: Map<string, string>): string | undefined {
  const sibling = closestMatch(key, siblings);
  if (sibling !== undefined) return prefix + sibling;
  const name = byName.has(key) ? key : closestMatch(key, byName.keys());
  return name === undefined ? undefined : byName.get(name);
}

/**
 * One warning per unknown key or section in `raw` (a parsed TOML document), naming `file`.
 * Keys inside an unknown section are not listed separately.
 */
export function unknownKeyWarnings(schema: z.core.$ZodType, raw: unknown, file: string): string[] {
  const allPaths = knownKeyPaths(schema);
  const byName = pathsByName(allPaths);
  // A guess that is not a leaf key is a section, and reads better in TOML's brackets.
  const didYouMean = (path: string) => ` (did you mean ${allPaths.includes(path) ? path : `[${path}]`}?)`;
  const warnings: string[] = [];
  const walk = (node: z.core.$ZodType, value: unknown, prefix: string) => {
    const object = objectInside(node);
    if (object === undefined || !isTable(value)) return;
    const siblings = Object.keys(object.shape);
    for (const [key, child] of Object.entries(value)) {
      const path = prefix + key;
      if (Object.hasOwn(object.shape, key)) {
        walk(object.shape[key], child, path + '.');
        continue;
      }
      const guess = suggestion(key, prefix, siblings, byName);
      const subject = isTable(child) ? `section [${path}]` : `key ${path}`;
      warnings.push(`unknown ${subject} in ${file}; it is ignored${guess === undefined ? '' : didYouMean(guess)}`);
    }
  };
  walk(schema, raw, '');
  return warnings;
}
