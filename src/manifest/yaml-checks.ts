import { isAlias, isMap, isPair, isScalar, isSeq, Scalar, type CST, type Document } from 'yaml';
import { isLossyInteger } from './yaml-plain-scalars.ts';

/**
 * Checks on YAML the composer would do too slowly or not safely: nesting depth, on the
 * token tree before composing (composing recurses, and overflows the stack near 8,000
 * levels), and unique keys, with one Set per mapping (the composer's own check compares each
 * key with every key before it, minutes for a mapping of 100k keys).
 */

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

interface Entry {
  token: CST.Token;
  depth: number;
  /** The enclosing collection's entry, to point back at where the nesting became too deep. */
  parent: Entry | null;
}

/**
 * When a collection is nested deeper than `limit`, the offset of its enclosing collection at
 * depth `reportDepth` (where the value starts being too deep); else undefined. Iterative.
 */
export function firstTooDeep(tokens: readonly CST.Token[], limit: number, reportDepth: number): number | undefined {
  const stack: Entry[] = tokens.map((token) => ({ token, depth: 0, parent: null }));
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const { token, depth } = entry;
    if (token.type === 'document') {
      if (token.value) stack.push({ token: token.value, depth, parent: entry.parent });
      continue;
    }
    if (!COLLECTIONS.has(token.type)) continue;
    const self: Entry = { ...entry, depth: depth + 1 };
    if (self.depth > limit) {
      let at = self;
      while (at.depth > reportDepth && at.parent !== null) at = at.parent;
      return (at.token as CST.BlockMap).offset;
    }
    for (const item of (token as CST.BlockMap | CST.BlockSequence | CST.FlowCollection).items) {
      if (item.key) stack.push({ token: item.key, depth: self.depth, parent: self });
      if (item.value) stack.push({ token: item.value, depth: self.depth, parent: self });
    }
  }
  return undefined;
}

/** Keys that repeat an earlier key of the same mapping, with where that key came first. Iterative. */
export function duplicateKeys(doc: Document): { offset: number; key: string; firstOffset: number }[] {
  const found: { offset: number; key: string; firstOffset: number }[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    } else if (isMap(node)) {
      const firstAt = new Map<string, number>();
      for (const pair of node.items) {
        stack.push(pair.key, pair.value);
        if (!isScalar(pair.key)) continue; // a collection as a key is never equal to another
        const offset = pair.key.range?.[0] ?? 0;
        // Keys as the data will have them (the yaml package's stringifyKey): `1` and "1", or
        // `~` and "", are one key of a JavaScript object, the last silently winning. A merge
        // key (`<<`, a symbol) is no key of the data: two of them both merge.
        const value = pair.key.value;
        if (typeof value === 'symbol') continue;
        const key = value === null ? '' : String(value);
        const firstOffset = firstAt.get(key);
        if (firstOffset === undefined) firstAt.set(key, offset);
        else found.push({ offset, key, firstOffset });
      }
    }
  }
  return found;
}

/**
 * Every node of the document (collections, scalars, aliases, and the pairs of `!!omap` and
 * `!!pairs`, which keep them as sequence items), iteratively, so any depth is fine.
 */
export function* nodesOf(doc: Document): Generator<object> {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    yield node;
    if (isPair(node)) stack.push(node.key, node.value);
    else if (isSeq(node)) for (const item of node.items) stack.push(item);
    else if (isMap(node)) for (const pair of node.items) stack.push(pair.key, pair.value);
  }
}

type Range = [number, number, number];
export type Anchors = Map<string, { offset: number; node: object }[]>;

/**
 * Each anchor's nodes with their offsets, in document order, found in one walk: what an alias
 * stands for is the last node of its name before it (anchorBefore). `Alias.resolve` walks the
 * document for every alias, which made placing problems in 5,000 merged symbols take 75 s.
 */
export function anchorsByName(doc: Document): Anchors {
  const anchors: Anchors = new Map();
  for (const node of nodesOf(doc)) {
    const { anchor, range } = node as { anchor?: string; range?: Range };
    if (anchor === undefined) continue;
    const list = anchors.get(anchor) ?? [];
    list.push({ offset: range?.[0] ?? 0, node });
    anchors.set(anchor, list);
  }
  for (const list of anchors.values()) list.sort((a, b) => a.offset - b.offset);
  return anchors;
}

/** The node an alias named `name` at `offset` stands for: the last anchor of that name before it. */
export function anchorBefore(anchors: Anchors, name: string, offset: number): object | undefined {
  const list = anchors.get(name);
  if (list === undefined) return undefined;
  // Binary search: one name may be anchored many times (each symbol `&step`), and every alias asks.
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle].offset < offset) low = middle + 1;
    else high = middle;
  }
  return low === 0 ? undefined : list[low - 1].node;
}

/**
 * Aliases (`*name`) with no anchor of that name before them, with their offsets: turning the
 * document into data would fail on them without a place ("Unresolved alias", or in a merge key
 * "Merge sources must be maps").
 */
export function unknownAliases(doc: Document, anchors: Anchors): { node: object; offset: number; name: string }[] {
  const unknown: { node: object; offset: number; name: string }[] = [];
  for (const node of nodesOf(doc)) {
    if (!isAlias(node)) continue;
    const offset = node.range?.[0] ?? 0;
    if (anchorBefore(anchors, node.source, offset) === undefined) unknown.push({ node, offset, name: node.source });
  }
  return unknown.sort((a, b) => a.offset - b.offset);
}

/**
 * Merge keys whose source is the very mapping they are in (`x: &a { <<: *a }`), with the
 * alias's offset and name: the yaml package would recurse on them until the stack overflows.
 * (A plain alias inside its own anchor is a value that contains itself, reported with its
 * place when the data is checked.)
 */
export function selfMerges(doc: Document, anchors: Anchors): { offset: number; name: string }[] {
  const found: { offset: number; name: string }[] = [];
  for (const node of nodesOf(doc)) {
    if (!isMap(node)) continue;
    for (const pair of node.items) {
      if (!isScalar(pair.key) || typeof pair.key.value !== 'symbol') continue; // not `<<`
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const source of sources) {
        if (!isAlias(source)) continue;
        const at = source.range?.[0] ?? 0;
        const end = (anchorBefore(anchors, source.source, at) as { range?: Range } | undefined)?.range?.[1];
        if (end !== undefined && at < end) found.push({ offset: at, name: source.source });
      }
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/** What the document's aliases make of it: the values it writes, and those it stands for with every alias copied out. */
export interface AliasExpansion {
  written: number;
  expanded: number;
  /** The alias that copies the most values, first in the text on ties. */
  largest?: { offset: number; name: string; values: number };
}

/**
 * Counts the document's values (collections, pairs, scalars) as written and as expanded, an
 * alias counting as many as its anchor holds, expanded in turn. Iterative and linear: each
 * node's expanded count is worked out once. An alias inside its own anchor counts one (that
 * cycle is reported elsewhere). The yaml package's own bound counts aliases, not what they
 * copy: 2,000 `<<: *a` of a 20,000-key anchor passed it and made 40 million values (7.9 GB,
 * 60 s) out of a 465 KB file.
 */
export function aliasExpansion(doc: Document, anchors: Anchors): AliasExpansion {
  const expanded = new Map<object, number>();
  const inProgress = new Set<object>();
  const childrenOf = (node: object): unknown[] => {
    if (isAlias(node)) {
      const target = anchorBefore(anchors, node.source, node.range?.[0] ?? 0);
      return target === undefined ? [] : [target];
    }
    if (isPair(node)) return [node.key, node.value];
    if (isSeq(node)) return node.items;
    // A mapping's keys and values, as nodesOf counts them (its pairs are not nodes of their own there).
    if (isMap(node)) return node.items.flatMap((pair) => [pair.key, pair.value]);
    return [];
  };
  // Post-order: a node's count is its children's (an alias's: its anchor's) plus one for itself.
  const stack: { node: object; children: unknown[] | null }[] = [];
  if (doc.contents !== null && typeof doc.contents === 'object') stack.push({ node: doc.contents, children: null });
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.children === null) {
      if (expanded.has(top.node) || inProgress.has(top.node)) {
        stack.pop();
        continue;
      }
      inProgress.add(top.node);
      top.children = childrenOf(top.node);
      for (const child of top.children) {
        if (child !== null && typeof child === 'object' && !expanded.has(child) && !inProgress.has(child)) stack.push({ node: child, children: null });
      }
      continue;
    }
    stack.pop();
    inProgress.delete(top.node);
    let count = isAlias(top.node) ? 0 : 1;
    for (const child of top.children) {
      if (child !== null && typeof child === 'object') count += expanded.get(child) ?? 1;
    }
    expanded.set(top.node, count);
  }
  let written = 0;
  let largest: AliasExpansion['largest'];
  for (const node of nodesOf(doc)) {
    written++;
    if (!isAlias(node)) continue;
    const values = expanded.get(node) ?? 0;
    const offset = node.range?.[0] ?? 0;
    if (largest === undefined || values > largest.values || (values === largest.values && offset < largest.offset)) {
      largest = { offset, name: node.source, values };
    }
  }
  const root = doc.contents !== null && typeof doc.contents === 'object' ? (expanded.get(doc.contents) ?? 0) : 0;
  return { written, expanded: root, ...(largest && { largest }) };
}

/** Plain scalars written as integers a number cannot hold exactly (isLossyInteger), with their offsets and text. */
export function lossyIntegers(doc: Document): { offset: number; text: string }[] {
  const found: { offset: number; text: string }[] = [];
  for (const node of nodesOf(doc)) {
    if (!isScalar(node) || node.type !== Scalar.PLAIN || typeof node.value !== 'number' || node.source === undefined) continue;
    if (isLossyInteger(node.source)) found.push({ offset: node.range?.[0] ?? 0, text: node.source });
  }
  return found.sort((a, b) => a.offset - b.offset);
}
