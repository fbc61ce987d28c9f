import { isMap, isSeq, Scalar, type Document, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { nodesOf } from './yaml-checks.ts';
import { Removals, type LeftOut } from './yaml-left-out.ts';
import { shownName } from './shown-name.ts';

/** An alias with no anchor before it (unknownAliases). */
export interface UnknownAlias {
  node: object;
  offset: number;
  name: string;
}

export function unknownAliasMessage(name: string): string {
  return `unknown alias *${shownName(name)}: no anchor &${shownName(name)} comes before it`;
}

/**
 * Takes the aliases with no anchor before them out of the tree until `restore` is called: the
 * pair whose key or value one is (`<<: *nosuch` too) is left out, and a list item becomes null
 * (so the items after it keep their places). The yaml package cannot build data through such an
 * alias, so one hid every other problem of the file; now the rest is built and checked, and
 * each is reported at its place.
 */
export function withoutUnknownAliases(doc: Document, unknown: readonly UnknownAlias[]): { found: LeftOut[]; restore: () => void } {
  const removals = new Removals();
  const nulled: (() => void)[] = [];
  const bad = new Set<unknown>(unknown.map((alias) => alias.node));
  if (bad.size > 0) {
    for (const node of nodesOf(doc)) {
      if (isMap(node)) {
        const isBad = (pair: Pair) => bad.has(pair.key) || bad.has(pair.value);
        if ((node as YAMLMap).items.some(isBad)) removals.remove(node as YAMLMap, isBad);
      } else if (isSeq(node)) {
        const items = (node as YAMLSeq).items;
        items.forEach((item, i) => {
          if (!bad.has(item)) return;
          const empty = new Scalar(null);
          empty.range = (item as { range?: [number, number, number] }).range;
          items[i] = empty;
          nulled.push(() => (items[i] = item));
        });
      }
    }
  }
  const found = unknown.map(({ offset, name }) => ({ offset, message: unknownAliasMessage(name) }));
  return {
    found,
    restore: () => {
      removals.restore();
      for (const undo of nulled.splice(0)) undo();
    },
  };
}
