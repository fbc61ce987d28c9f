import { isAlias, isMap, isScalar, isSeq, type Document, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { anchorBefore, nodesOf, type Anchors } from './yaml-checks.ts';
import { describeNode } from './yaml-node-words.ts';
import { shownName } from './shown-name.ts';
import { Removals, type LeftOut } from './yaml-left-out.ts';

/**
 * Finds merge keys (`<<`) whose sources are not mappings (`<<: 5`, `<<: [*aString]`), and
 * takes those sources out of the tree until the returned `restore` is called. The yaml package
 * throws at the first such source when it builds the data, with no place and no other
 * problem; left out, the document is built, its other problems are found, and each bad source
 * is reported at its own line.
 */
export function withoutBadMergeSources(doc: Document, anchors: Anchors): { found: LeftOut[]; restore: () => void } {
  const found: LeftOut[] = [];
  const removals = new Removals();
  const targetOf = (node: unknown): unknown => (isAlias(node) ? anchorBefore(anchors, node.source, node.range?.[0] ?? 0) : node);
  for (const node of nodesOf(doc)) {
    if (!isMap(node)) continue;
    const map = node as YAMLMap;
    const badPairs = new Set<Pair>();
    for (const pair of map.items) {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'symbol') continue; // not `<<`
      const keyOffset = pair.key.range?.[0] ?? 0;
      if (isSeq(pair.value)) {
        // A list written here: its bad items are left out, the others still merge.
        const seq = pair.value as YAMLSeq;
        const bad = seq.items.filter((item) => !isMap(targetOf(item)));
        for (const item of bad) found.push({ offset: offsetOf(item) ?? keyOffset, message: messageFor(item, describeNode(targetOf(item))) });
        if (bad.length > 0) removals.remove(seq, (item) => bad.includes(item));
        continue;
      }
      const target = targetOf(pair.value);
      // An alias of a list merges the list's items, which must be mappings.
      if (isMap(target) || (isSeq(target) && target.items.every((item) => isMap(targetOf(item))))) continue;
      const what = isSeq(target) ? 'a list whose items are not all mappings' : describeNode(target);
      found.push({ offset: offsetOf(pair.value) ?? keyOffset, message: messageFor(pair.value, what) });
      badPairs.add(pair);
    }
    if (badPairs.size > 0) removals.remove(map, (pair) => badPairs.has(pair));
  }
  found.sort((a, b) => a.offset - b.offset);
  return { found, restore: () => removals.restore() };
}

/** `target`: what the source is, or what it stands for when it is an alias. */
function messageFor(source: unknown, target: string): string {
  const what = isAlias(source) ? `*${shownName(source.source)}, an alias of ${target}` : target;
  return `a merge key (<<) takes a mapping, an alias of one (*name), or a list of them; this is ${what}`;
}

function offsetOf(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  // An empty value (`<<:` and nothing) has a range of no length: the key is shown instead.
  return range === undefined || range[0] === range[1] ? undefined : range[0];
}
