import { z } from 'zod';
import { collectYoungGarbage } from '../garbage-collection.ts';
import type { ManifestSchema } from './schema.ts';
import { readableZodMessages } from './schema-issues.ts';

type Parsed = z.output<ManifestSchema>;

export type SchemaResult = { success: true; data: Parsed } | { success: false; issues: z.core.$ZodIssue[] };

/** Symbols from which the schema is applied a part at a time. */
export const SYMBOLS_PARSED_IN_PARTS = 50_000;
const SYMBOLS_PER_PART = 10_000;

/**
 * The manifest schema applied to `data`. A manifest of many symbols is parsed in parts, with a
 * young collection between them: in one parse, zod's intermediate results for a million
 * symbols stayed alive together, ~250 MB beside the ~220 MB of the result. The parts use the
 * schema's own pieces (its `symbols` array schema, and the schema with `symbols` left
 * open), and the issues come in the order one parse gives: the other fields', the symbols',
 * then unknown top-level keys.
 */
export function parseWithSchema(schema: ManifestSchema, data: Record<string, unknown>): SchemaResult {
  const symbols = data.symbols;
  if (!Array.isArray(symbols) || symbols.length < SYMBOLS_PARSED_IN_PARTS) {
    const result = schema.safeParse(data, { error: readableZodMessages });
    return result.success ? { success: true, data: result.data } : { success: false, issues: result.error.issues };
  }
  const top = schema.extend({ symbols: z.unknown() }).safeParse(data, { error: readableZodMessages });
  const symbolIssues: z.core.$ZodIssue[] = [];
  const parsed: Parsed['symbols'] = [];
  for (let start = 0; start < symbols.length; start += SYMBOLS_PER_PART) {
    const part = schema.shape.symbols.safeParse(symbols.slice(start, start + SYMBOLS_PER_PART), { error: readableZodMessages });
    if (part.success) {
      for (const symbol of part.data) parsed.push(symbol);
    } else {
      for (const issue of part.error.issues) {
        const [index, ...rest] = issue.path;
        symbolIssues.push({ ...issue, path: ['symbols', (index as number) + start, ...rest] });
      }
    }
    collectYoungGarbage();
  }
  if (top.success && symbolIssues.length === 0) return { success: true, data: { ...top.data, symbols: parsed } };
  const topIssues = top.success ? [] : top.error.issues;
  const unknownKeys = topIssues.filter((issue) => issue.code === 'unrecognized_keys' && issue.path.length === 0);
  return { success: false, issues: [...topIssues.filter((issue) => !unknownKeys.includes(issue)), ...symbolIssues, ...unknownKeys] };
}
