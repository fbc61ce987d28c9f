import { textPositions, type DataPath, type Locator, type TextPosition } from './document.ts';

/** Where a value starts; for a mapping, where each key and value does; for a list, each item. */
export type Place = number | MappingPlace | ListPlace;

export interface ListPlace {
  at: number;
  items: Place[];
}

/** Keys from which a mapping's place also gets a Map, so that locating many issues in it stays linear. */
const KEYS_SEARCHED_IN_ORDER = 16;

/**
 * Where a mapping, its keys and its values are. Most mappings have a few keys, and a million
 * symbols are two million mappings: a Map and a tuple per key made their places ~1.1 KB a
 * symbol (230 MB for 200,000 symbols, built when the first problem is located). So the keys,
 * their offsets and their values' places sit in one list, searched in order, and only a
 * mapping of many keys gets an index as well. The readers refuse a key given twice, so a key
 * is set once.
 */
export class MappingPlace {
  /** key, keyAt, value, key, keyAt, value, ... */
  private readonly entries: (string | Place)[] = [];
  private index: Map<string, number> | null = null;

  constructor(readonly at: number) {}

  /** Once per key: the readers refuse a key given twice (the list would find the first, the index the last). */
  set(key: string, keyAt: number, value: Place): void {
    const position = this.entries.length;
    this.entries.push(key, keyAt, value);
    if (this.index !== null) this.index.set(key, position);
    else if (position / 3 + 1 > KEYS_SEARCHED_IN_ORDER) {
      this.index = new Map();
      for (let k = 0; k < this.entries.length; k += 3) this.index.set(this.entries[k] as string, k);
    }
  }

  /** Where `key` is and its value's place, or undefined when the mapping has no such key. */
  get(key: string): { keyAt: number; value: Place } | undefined {
    const entries = this.entries;
    let k: number | undefined;
    if (this.index !== null) k = this.index.get(key);
    else for (let j = 0; j < entries.length && k === undefined; j += 3) if (entries[j] === key) k = j;
    return k === undefined ? undefined : { keyAt: entries[k + 1] as number, value: entries[k + 2] as Place };
  }
}

/** A locator from the places a reader's second pass finds (`readPlaces`, run on the first call). */
export function placedLocator(source: string, readPlaces: () => Place | undefined): Locator {
  let root: Place | undefined;
  let positionAt: ((offset: number) => TextPosition) | undefined;
  return (path, target) => {
    root ??= readPlaces();
    const offset = root === undefined ? undefined : offsetOf(root, path, target);
    if (offset === undefined) return {};
    positionAt ??= textPositions(source);
    return positionAt(offset);
  };
}

/**
 * Where `path` is, as the full reader's locator finds it: the value (or key) at the path; for a
 * missing key, the deepest mapping on the way; for a missing item, its list.
 */
function offsetOf(root: Place, path: DataPath, target: 'value' | 'key'): number | undefined {
  let node: Place = root;
  let enclosingMapping: number | undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const isLast = i === path.length - 1;
    if (typeof node === 'number') return enclosingMapping;
    if (node instanceof MappingPlace) {
      enclosingMapping = node.at;
      const entry = node.get(String(segment));
      if (entry === undefined) return enclosingMapping;
      if (isLast && target === 'key') return entry.keyAt;
      node = entry.value;
    } else {
      if (typeof segment !== 'number') return enclosingMapping;
      const item: Place | undefined = node.items[segment];
      if (item === undefined) return node.at;
      node = item;
    }
  }
  return typeof node === 'number' ? node : node.at;
}
