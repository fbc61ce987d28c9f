import { isAlias, isMap, isScalar, isSeq, type Document, type Pair, type YAMLMap } from 'yaml';
import { anchorBefore, nodesOf, type Anchors } from './yaml-checks.ts';
import { describeNode } from './yaml-node-words.ts';
import { shownName } from './shown-name.ts';
import { Removals, type LeftOut } from './yaml-left-out.ts';

/**
 * Finds keys that are collections or other non-scalars (`[1, 2]: x`, `? {k: 1}`, a `!!binary`
 * key, an alias of a list), and takes their pairs out of the tree until the returned `restore`
 * is called. Data keys are strings: the yaml package would turn such a key into its YAML text
 * ("[ 1, 2 ]"), with a process warning on stderr; left out, each is reported at its place.
 */
export function withoutCollectionKeys(doc: Document, anchors: Anchors): { found: LeftOut[]; restore: () => void } {
  const found: LeftOut[] = [];
  const removals = new Removals();
  for (const node of nodesOf(doc)) {
    if (!isMap(node)) continue;
    const map = node as YAMLMap;
    let bad: Set<Pair> | undefined;
    for (const pair of map.items) {
      const key = pair.key;
      const target = isAlias(key) ? anchorBefore(anchors, key.source, key.range?.[0] ?? 0) : key;
      if (isSingleValue(target)) continue;
      const what = isAlias(key) ? `*${shownName(key.source)}, an alias of ${describeNode(target)}` : describeNode(target);
      found.push({
        offset: (key as { range?: [number, number, number] }).range?.[0] ?? 0,
        message: `a key must be a single value (a string, a number, true, false or null); this key is ${what}`,
      });
      (bad ??= new Set()).add(pair);
    }
    if (bad !== undefined) {
      const left = bad;
      removals.remove(map, (pair) => left.has(pair));
    }
  }
  found.sort((a, b) => a.offset - b.offset);
  return { found, restore: () => removals.restore() };
}

/** A scalar that is not an object (binary data, a date), or no key at all (`? ` alone is null). */
function isSingleValue(key: unknown): boolean {
  if (key === null || key === undefined) return true;
  if (isMap(key) || isSeq(key)) return false;
  if (!isScalar(key)) return true;
  return key.value === null || typeof key.value !== 'object';
}
