import { collectYoungGarbage } from '../src/garbage-collection.ts';
import type { RollbackSpec, SymbolSpec } from '../src/manifest/types.ts';

/** A run's symbols by task index, as the run coordinator reads them while the run goes on. */
export interface RunSymbols {
  readonly length: number;
  /** Symbol i as deployed. Do not keep it: a packed run makes it again when asked later. */
  at(i: number): SymbolSpec;
  nameOf(i: number): string;
}

/** Symbols from which a run holds them packed instead of as objects. */
export const PACKED_FROM = 50_000;

/**
 * A run's symbols: the manifest's own list for most runs, packed for a big one (see
 * PackedSymbols). `names` is the graph's list of the same names, shared.
 */
export function runSymbols(symbols: readonly SymbolSpec[], names: readonly string[], dependencyNames: (i: number) => string[]): RunSymbols {
  if (symbols.length < PACKED_FROM) return { length: symbols.length, at: (i) => symbols[i], nameOf: (i) => symbols[i].name };
  return new PackedSymbols(symbols, names, dependencyNames);
}

/** Symbols per packed text: a miss decodes this many, so random access stays cheap. */
const PER_CHUNK = 64;
/** Chunks packed between two young collections (~130k symbols). */
const YOUNG_COLLECTION_EVERY = 2048;
/** Decoded chunks kept: the frontier walks a run mostly in index order. */
const CHUNKS_KEPT = 16;

/** What a packed symbol keeps in its chunk's text; its name and dependencies are the graph's. */
type PackedFields = [
  type: SymbolSpec['type'],
  context: SymbolSpec['context'],
  dispatch: SymbolSpec['dispatch'],
  parameters: SymbolSpec['parameters'],
  priority: number,
  retries: number,
  timeout: number,
  rollback?: RollbackSpec,
];

/**
 * A big run's symbols, packed: a million symbols as objects hold ~210 MB of JS heap, all of it
 * alive until the run ends, and the engine's next full collection waits for the heap to double
 * from its live size, so they cost twice that in RSS (measured: a 1M fan-out's live heap was
 * 308 MB, its peak RSS 1.17 GB; 500k: 159 MB and 0.77 GB). Here the names and dependencies
 * are the graph's, and the rest is JSON text, 64 symbols a text, decoded when one of them is
 * asked for, into new objects each time (no two tasks share a parameters object). The last 16
 * decoded chunks are kept, so a run read in index order decodes each chunk once; one read out
 * of order costs a decode of 64 symbols (tens of µs) per miss, not more.
 */
export class PackedSymbols implements RunSymbols {
  readonly length: number;
  private readonly chunks: string[];
  private readonly decoded = new Map<number, SymbolSpec[]>();

  constructor(
    symbols: readonly SymbolSpec[],
    private readonly names: readonly string[],
    private readonly dependencyNames: (i: number) => string[],
  ) {
    const n = symbols.length;
    this.length = n;
    this.chunks = new Array(Math.ceil(n / PER_CHUNK));
    const fields: PackedFields[] = [];
    // Identical texts are kept once: a fan-out made from one template (the same operation and
    // parameters, names apart) packs into one text for the whole run.
    const texts = new Map<string, string>();
    for (let c = 0; c < this.chunks.length; c++) {
      fields.length = 0;
      for (let i = c * PER_CHUNK; i < Math.min(n, (c + 1) * PER_CHUNK); i++) {
        const s = symbols[i];
        const packed: PackedFields = [s.type, s.context, s.dispatch, s.parameters, s.priority, s.retries, s.timeout];
        if (s.rollback !== undefined) packed.push(s.rollback);
        fields.push(packed);
      }
      const text = JSON.stringify(fields);
      const same = texts.get(text);
      if (same === undefined) texts.set(text, text);
      this.chunks[c] = same ?? text;
      // Most texts are garbage at once (a copy of one kept): collected as the loop goes.
      if (c % YOUNG_COLLECTION_EVERY === YOUNG_COLLECTION_EVERY - 1) collectYoungGarbage();
    }
  }

  at(i: number): SymbolSpec {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`no symbol ${i} in a run of ${this.length}`);
    const c = Math.floor(i / PER_CHUNK);
    let chunk = this.decoded.get(c);
    if (chunk === undefined) {
      chunk = this.decode(c);
      if (this.decoded.size >= CHUNKS_KEPT) this.decoded.delete(this.decoded.keys().next().value!);
      this.decoded.set(c, chunk);
    }
    return chunk[i - c * PER_CHUNK];
  }

  nameOf(i: number): string {
    return this.names[i];
  }

  private decode(c: number): SymbolSpec[] {
    const fields = JSON.parse(this.chunks[c]) as PackedFields[];
    const first = c * PER_CHUNK;
    return fields.map(([type, context, dispatch, parameters, priority, retries, timeout, rollback], k) => {
      const i = first + k;
      const spec: SymbolSpec = {
        name: this.names[i],
        type,
        context,
        dispatch,
        parameters,
        dependencies: this.dependencyNames(i),
        priority,
        retries,
        timeout,
      };
      if (rollback !== undefined) spec.rollback = rollback;
      return spec;
    });
  }
}
