import { z } from 'zod';
import { collectConsumedGarbage, collectYoungGarbage } from '../garbage-collection.ts';
import type { ManifestSchema } from './schema.ts';
import { readableZodMessages } from './schema-issues.ts';

type Parsed = z.output<ManifestSchema>;
type ParsedSymbol = Parsed['symbols'][number];

export type SchemaResult<S> = { success: true; data: Omit<Parsed, 'symbols'> & { symbols: S[] } } | { success: false; issues: z.core.$ZodIssue[] };

export interface SchemaParseOptions<S> {
  /** Turns each parsed symbol into the one kept (defaults filled in), as it is parsed. */
  finish: (symbol: ParsedSymbol) => S;
  /**
   * The caller gives `data.symbols` up: each symbol written in it is replaced by its finished
   * form once parsed, so that the symbols as read can be collected while the rest is parsed.
   */
  consume?: boolean;
}

/** Symbols from which the schema is applied a part at a time. */
export const SYMBOLS_PARSED_IN_PARTS = 50_000;
const SYMBOLS_PER_PART = 10_000;
/** While consuming: a full collection after each this many symbols (a multiple of SYMBOLS_PER_PART). */
const SYMBOLS_PER_FULL_COLLECTION = 250_000;

/**
 * The manifest schema applied to `data`. A manifest of many symbols is parsed in parts, with a
 * young collection between them: in one parse, zod's intermediate results for a million
 * symbols stayed alive together, ~250 MB beside the ~220 MB of the result. Each part's
 * symbols are finished at once, so zod's copies die young too. The parts use the schema's own
 * pieces (its `symbols` array schema, and the schema with `symbols` left open), and the issues
 * come in the order one parse gives: the other fields', the symbols', then unknown top-level
 * keys.
 */
export function parseWithSchema<S>(schema: ManifestSchema, data: Record<string, unknown>, options: SchemaParseOptions<S>): SchemaResult<S> {
  const { finish } = options;
  const symbols = data.symbols;
  if (!Array.isArray(symbols) || symbols.length < SYMBOLS_PARSED_IN_PARTS) {
    const result = schema.safeParse(data, { error: readableZodMessages });
    if (!result.success) return { success: false, issues: result.error.issues };
    return { success: true, data: { ...result.data, symbols: result.data.symbols.map(finish) } };
  }
  const top = schema.extend({ symbols: z.unknown() }).safeParse(data, { error: readableZodMessages });
  const symbolIssues: z.core.$ZodIssue[] = [];
  const finished: S[] = [];
  for (let start = 0; start < symbols.length; start += SYMBOLS_PER_PART) {
    const part = schema.shape.symbols.safeParse(symbols.slice(start, start + SYMBOLS_PER_PART), { error: readableZodMessages });
    if (part.success && symbolIssues.length === 0) {
      for (let i = 0; i < part.data.length; i++) {
        const symbol = finish(part.data[i]);
        finished.push(symbol);
        if (options.consume) symbols[start + i] = symbol;
      }
    } else if (!part.success) {
      for (const issue of part.error.issues) {
        const [index, ...rest] = issue.path;
        symbolIssues.push({ ...issue, path: ['symbols', (index as number) + start, ...rest] });
      }
    }
    const parsedSoFar = start + SYMBOLS_PER_PART;
    if (options.consume && parsedSoFar % SYMBOLS_PER_FULL_COLLECTION === 0) collectConsumedGarbage();
    else collectYoungGarbage();
  }
  if (top.success && symbolIssues.length === 0) return { success: true, data: { ...top.data, symbols: finished } };
  const topIssues = top.success ? [] : top.error.issues;
  const unknownKeys = topIssues.filter((issue) => issue.code === 'unrecognized_keys' && issue.path.length === 0);
  return { success: false, issues: [...topIssues.filter((issue) => !unknownKeys.includes(issue)), ...symbolIssues, ...unknownKeys] };
}
