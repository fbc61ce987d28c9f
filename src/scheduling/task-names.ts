/** Every task's name by index (manifest order), as a run holds them while it goes on. */
export interface TaskNames {
  readonly length: number;
  /** Task i's name; a packed list makes the string again on each call, so compare, do not keep. */
  nameOf(i: number): string;
}

/** Tasks from which a run holds its per-task data packed (names here, symbols in run-symbols.ts). */
export const PACKED_FROM = 50_000;

/**
 * `i` when it is a task index of a run of `length` (an integer in range); else a RangeError
 * naming `what` (a task, a symbol), where an array would have given undefined or a neighbour.
 */
export function checkedIndex(i: number, length: number, what: string): number {
  if (!(i >>> 0 === i && i < length)) throw new RangeError(`no ${what} ${i} in a run of ${length}`);
  return i;
}

/** The names of `symbols`: the list itself for most runs, packed from PACKED_FROM on. */
export function taskNames(symbols: readonly { name: string }[]): TaskNames {
  if (symbols.length >= PACKED_FROM) return new PackedTaskNames(symbols);
  const names = symbols.map((s) => s.name);
  return { length: names.length, nameOf: (i) => names[checkedIndex(i, names.length, 'task')] };
}

/**
 * A big run's names as one string and where each starts. A million names as strings of their
 * own are a million small objects alive to the end of the run, made while the manifest was
 * read and so spread over the pages its garbage filled: measured on a 1,000,000-symbol YAML
 * run from the command line, the run's RSS rose from ~650 MB to over 1 GB on top of them; packed,
 * the run stays under ~450 MB. A name asked for is a new slice, garbage as soon as it is used.
 */
export class PackedTaskNames implements TaskNames {
  readonly length: number;
  private readonly text: string;
  /** Name i is text[starts[i] .. starts[i + 1]] (UTF-16 units, as string indexes are). */
  private readonly starts: Uint32Array;

  constructor(symbols: readonly { name: string }[]) {
    const n = symbols.length;
    this.length = n;
    this.starts = new Uint32Array(n + 1);
    const parts = new Array<string>(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const name = symbols[i].name;
      parts[i] = name;
      this.starts[i] = at;
      at += name.length;
    }
    this.starts[n] = at;
    // A fresh string: slicing it later neither keeps nor copies the manifest's own strings.
    this.text = parts.join('');
  }

  nameOf(i: number): string {
    checkedIndex(i, this.length, 'task');
    return this.text.slice(this.starts[i], this.starts[i + 1]);
  }
}
