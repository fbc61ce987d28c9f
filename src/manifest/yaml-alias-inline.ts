import { isAlias, isMap, isPair, isSeq, type Alias, type Document } from 'yaml';
import { anchorBefore, type Anchors } from './yaml-checks.ts';

type Range = [number, number, number];

/**
 * Puts each alias's anchored node in the alias's place, so that turning the document into data
 * never resolves an alias, and returns what puts the aliases back (the locator reads the tree
 * as written). Why: the yaml package resolves an alias by scanning every alias and anchor
 * before it, which is quadratic (a manifest of 100,000 `<<: *defaults` took seconds), and its
 * bound on copies per anchor refused a manifest of more than 10,000 such merges. How much the
 * aliases copy is bounded before this runs (aliasExpansion), so the copies cannot run away.
 * A document with an alias inside its own anchor is left as it is (see below).
 */
export function inlineAliases(doc: Document, anchors: Anchors): () => void {
  const replacements: (() => void)[] = [];
  const undo: (() => void)[] = [];
  /** The node to put in an alias's place; null for an alias inside its own anchor. */
  const targetOf = (alias: Alias): object | null => {
    const at = alias.range?.[0] ?? 0;
    const target = anchorBefore(anchors, alias.source, at) as { range?: Range } | undefined;
    const end = target?.range?.[1];
    // Unknown aliases are refused before this runs.
    if (target === undefined || end === undefined) return null;
    return at < end ? null : target;
  };
  let cycle = false;
  const stack: unknown[] = [doc.contents];
  /** A child in its slot (`put` writes the slot): an alias is noted for replacing, anything else walked. */
  const consider = (child: unknown, put: (node: unknown) => void) => {
    if (!isAlias(child)) {
      stack.push(child);
      return;
    }
    const target = targetOf(child);
    if (target === null) cycle = true;
    else {
      replacements.push(() => put(target));
      undo.push(() => put(child));
    }
  };
  while (stack.length > 0 && !cycle) {
    const node = stack.pop();
    if (isPair(node)) {
      consider(node.key, (child) => (node.key = child));
      consider(node.value, (child) => (node.value = child));
    } else if (isMap(node)) {
      for (const pair of node.items) stack.push(pair);
    } else if (isSeq(node)) {
      const items = node.items as unknown[];
      for (let i = 0; i < items.length; i++) consider(items[i], (child) => (items[i] = child));
    }
  }
  // A document with an alias inside its own anchor keeps all its aliases: the yaml package
  // bounds its copies (maxAliasCount), and each inlined copy of such an anchor would make it
  // walk the whole tree again (seconds for a few thousand). Such a value is refused anyway.
  if (cycle) return () => {};
  for (const replace of replacements) replace();
  return () => {
    for (const step of undo) step();
  };
}
