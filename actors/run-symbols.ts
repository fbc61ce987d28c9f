import { collectYoungGarbage } from '../src/garbage-collection.ts';
import type { RollbackSpec, SymbolSpec } from '../src/manifest/types.ts';
import { PACKED_FROM, checkedIndex, type TaskNames } from '../src/scheduling/task-names.ts';

export { PACKED_FROM };

/** A run's symbols by task index, as the run coordinator reads them while the run goes on. */
export interface RunSymbols {
  readonly length: number;
  /** Symbol i as deployed. Do not keep it: a packed run makes it again when asked later. */
  at(i: number): SymbolSpec;
  nameOf(i: number): string;
}

/**
 * A run's symbols: the manifest's own list for most runs, packed for a big one (see
 * PackedSymbols). `names` is the graph's list of the same names, shared.
 */
export function runSymbols(symbols: readonly SymbolSpec[], names: TaskNames, dependencyNames: (i: number) => string[]): RunSymbols {
  if (symbols.length < PACKED_FROM) {
    const at = (i: number) => symbols[checkedIndex(i, symbols.length, 'symbol')];
    return { length: symbols.length, at, nameOf: (i) => at(i).name };
  }
  return new PackedSymbols(symbols, names, dependencyNames);
}

/** Decoded symbols kept, the newest: a task asks for its symbol a few times in a row. */
const DECODED_KEPT = 1024;
/** Symbols packed between two young collections. */
const YOUNG_COLLECTION_EVERY = 131_072;
/** Distinct texts looked for again: a run made from templates has few, and a varied one none to share. */
const SHARED_TEXTS = 4096;

/** What a packed symbol keeps in its text; its name and dependencies are the graph's. */
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
 * are the graph's, and the rest of each symbol is a JSON text, decoded into new objects when
 * asked for (no two tasks share a parameters object; the newest 1,024 are kept). Identical
 * texts are stored once, so a fan-out made from one template holds one text. A symbol that
 * JSON would change (-0, `undefined`, a function, a hole in a list, a `toJSON`: values a
 * manifest built in code may hold) is kept as it is, so a packed run runs what an unpacked one
 * would.
 */
export class PackedSymbols implements RunSymbols {
  readonly length: number;
  /** Each symbol's text, or the symbol itself when JSON would not give it back unchanged. */
  private readonly packed: (string | SymbolSpec)[];
  private readonly decoded = new Map<number, SymbolSpec>();

  constructor(
    symbols: readonly SymbolSpec[],
    private readonly names: TaskNames,
    private readonly dependencyNames: (i: number) => string[],
  ) {
    const n = symbols.length;
    this.length = n;
    this.packed = new Array(n);
    const texts = new Map<string, string>();
    for (let i = 0; i < n; i++) {
      const s = symbols[i];
      const fields: PackedFields = [s.type, s.context, s.dispatch, s.parameters, s.priority, s.retries, s.timeout];
      if (s.rollback !== undefined) fields.push(s.rollback);
      if (!survivesJson(fields)) {
        this.packed[i] = s;
        continue;
      }
      const text = JSON.stringify(fields);
      const same = texts.get(text);
      if (same === undefined && texts.size < SHARED_TEXTS) texts.set(text, text);
      this.packed[i] = same ?? text;
      // The texts of shared symbols are garbage at once: collected as the loop goes.
      if (i % YOUNG_COLLECTION_EVERY === YOUNG_COLLECTION_EVERY - 1) collectYoungGarbage();
    }
  }

  at(i: number): SymbolSpec {
    checkedIndex(i, this.length, 'symbol');
    const packed = this.packed[i];
    if (typeof packed !== 'string') return packed;
    let spec = this.decoded.get(i);
    if (spec === undefined) {
      spec = this.decode(i, packed);
      if (this.decoded.size >= DECODED_KEPT) this.decoded.delete(this.decoded.keys().next().value!);
      this.decoded.set(i, spec);
    }
    return spec;
  }

  nameOf(i: number): string {
    return this.names.nameOf(i);
  }

  private decode(i: number, text: string): SymbolSpec {
    const [type, context, dispatch, parameters, priority, retries, timeout, rollback] = JSON.parse(text) as PackedFields;
    const spec: SymbolSpec = {
      name: this.names.nameOf(i),
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
  }
}

/**
 * Whether JSON gives `value` back unchanged. Validation has already refused cycles, values
 * nested too deep, non-finite numbers and objects that are not plain data.
 */
export function survivesJson(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
      if (Array.isArray(value)) {
        for (let k = 0; k < value.length; k++) if (!(k in value) || !survivesJson(value[k])) return false;
        return true;
      }
      for (const key of Object.keys(value)) if (!survivesJson((value as Record<string, unknown>)[key])) return false;
      return true;
    }
    default:
      return false; // undefined, functions, symbols, bigints
  }
}
