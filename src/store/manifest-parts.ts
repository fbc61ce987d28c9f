import { encodeJson } from './json-columns.ts';

/**
 * How SQLite stores a big manifest: its symbols in parts of SYMBOLS_PER_PART, each its own
 * JSON text (compressed, see StoredPart), and the rest of the manifest (with `symbols: []`) as
 * the head. One JSON text for a million symbols is a 160 MB string, which binding copies to
 * UTF-8 and SQLite copies again into its record: ~460 MB of memory at once for createRun,
 * measured. Part by part, one part's text is alive at a time. Small manifests (most) are stored
 * whole, as before.
 */

export const SYMBOLS_PER_PART = 10_000;

/**
 * A part as stored: its JSON compressed with zstd (since schema 9), or, written before, the JSON
 * text itself. Both read.
 *
 * Why: the symbols of a big run differ mostly by name, so a 10,000-symbol part of ~1.4 MB
 * compresses to ~15–50 KB in ~1 ms, and SQLite then writes a few pages instead of ~350 overflow
 * pages, while every worker thread waits for the run to be recorded: the deploy call of a
 * 50k-symbol run ~40 ms shorter, of a million-symbol one ~2 s (measured; docs/performance.md).
 */
export type StoredPart = string | Uint8Array;

/** zstd's fastest level: the parts are repetitive enough that it already shrinks them ~30-100×. */
const PART_COMPRESSION = { level: 1 };

export interface ManifestInParts {
  /** The manifest as JSON when stored whole; else the manifest without its symbols. */
  head: string | null;
  /** How many parts of symbols follow the head (0: the head is the whole manifest). */
  parts: number;
  /** Part `i`'s symbols as stored, made when asked for (so they never all exist at once). */
  part(i: number): Uint8Array;
}

export function splitManifest(manifest: unknown): ManifestInParts {
  const symbols = symbolsOf(manifest);
  if (symbols === null || symbols.length <= SYMBOLS_PER_PART) {
    return { head: encodeJson(manifest), parts: 0, part: noPart };
  }
  return {
    head: JSON.stringify({ ...(manifest as object), symbols: [] }),
    parts: Math.ceil(symbols.length / SYMBOLS_PER_PART),
    part: (i) => Bun.zstdCompressSync(JSON.stringify(symbols.slice(i * SYMBOLS_PER_PART, (i + 1) * SYMBOLS_PER_PART)), PART_COMPRESSION),
  };
}

/** The manifest back from its head and its stored parts, in part order. */
export function joinManifest(head: string | null, parts: Iterable<StoredPart>): unknown {
  if (head === null) return null;
  const manifest = JSON.parse(head) as { symbols?: unknown[] };
  const symbols: unknown[] = [];
  let any = false;
  for (const part of parts) {
    any = true;
    for (const symbol of JSON.parse(partText(part)) as unknown[]) symbols.push(symbol);
  }
  if (any) manifest.symbols = symbols;
  return manifest;
}

const utf8 = new TextDecoder();

function partText(part: StoredPart): string {
  return typeof part === 'string' ? part : utf8.decode(Bun.zstdDecompressSync(part));
}

function symbolsOf(manifest: unknown): unknown[] | null {
  if (typeof manifest !== 'object' || manifest === null) return null;
  const { symbols } = manifest as { symbols?: unknown };
  return Array.isArray(symbols) ? symbols : null;
}

function noPart(i: number): never {
  throw new RangeError(`a manifest stored whole has no part ${i}`);
}
