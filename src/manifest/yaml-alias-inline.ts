import { isAlias, isMap, isPair, isSeq, type Document } from 'yaml';
import { anchorBefore, type Anchors } from './yaml-checks.ts';

type Range = [number, number, number];

/**
 * Puts each alias's anchored node in the alias's place, so that turning the document into data
 * never resolves an alias, and returns what puts the aliases back (the locator reads the tree
 * as written). Why: the yaml package resolves an alias by scanning every alias and anchor
 * before it, which is quadratic (a manifest of 100,000 `<<: *defaults` took seconds), and its
 * bound on copies per anchor refused a manifest of more than 10,000 such merges. How much the
 * aliases copy is bounded before this runs (aliasExpansion), so the copies cannot run away.
 * An alias inside its own anchor stays an alias: the yaml package makes that a cycle, which
 * validation reports with its place.
 */
export function inlineAliases(doc: Document, anchors: Anchors): () => void {
  const undo: (() => void)[] = [];
  const inlined = (node: unknown): unknown => {
    if (!isAlias(node)) return node;
    const at = node.range?.[0] ?? 0;
    const target = anchorBefore(anchors, node.source, at) as { range?: Range } | undefined;
    const end = target?.range?.[1];
    // Unknown aliases are refused before this runs; the anchor still open around the alias is the cycle.
    if (target === undefined || end === undefined || at < end) return node;
    return target;
  };
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isPair(node)) {
      for (const side of ['key', 'value'] as const) {
        const before = node[side];
        const after = inlined(before);
        if (after === before) stack.push(before);
        else {
          node[side] = after;
          undo.push(() => (node[side] = before));
        }
      }
    } else if (isMap(node)) {
      for (const pair of node.items) stack.push(pair);
    } else if (isSeq(node)) {
      const items = node.items;
      for (let i = 0; i < items.length; i++) {
        const before = items[i];
        const after = inlined(before);
        if (after === before) stack.push(before);
        else {
          items[i] = after as (typeof items)[number];
          undo.push(() => (items[i] = before));
        }
      }
    }
  }
  return () => {
    for (const step of undo) step();
  };
}
