import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { DataPath, Locator, ReadDocument } from './document.ts';

/** Reads YAML text into plain data, keeping the node tree to point issues at lines and columns. */
export function readYamlDocument(source: string, file: string | undefined): ReadDocument {
  const lineCounter = new LineCounter();
  // prettyErrors off: we want the bare message and place each error ourselves.
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const positionAt = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locate: Locator = (path, target) => {
    const range = findRange(doc, path, target);
    return range ? positionAt(range[0]) : {};
  };
  if (doc.errors.length > 0) {
    return {
      data: undefined,
      syntaxIssues: doc.errors.map((error) => ({
        ...(file !== undefined && { file }),
        ...positionAt(error.pos[0]),
        message: `YAML syntax error: ${error.message}`,
      })),
      locate,
    };
  }
  // A document of only comments has null contents; report it as empty, not as `null`.
  if (doc.contents === null) return { data: undefined, syntaxIssues: [], locate };
  try {
    return { data: doc.toJS(), syntaxIssues: [], locate };
  } catch (error) {
    // toJS refuses alias bombs ("excessive alias count") and the like.
    const message = error instanceof Error ? error.message : String(error);
    return { data: undefined, syntaxIssues: [{ ...(file !== undefined && { file }), message: `YAML error: ${message}` }], locate };
  }
}

type Range = readonly [number, number, number];

/** The source range of the node at `path`, or of the deepest mapping on the way when it is missing. */
function findRange(doc: Document, path: DataPath, target: 'value' | 'key'): Range | undefined {
  let node: unknown = doc.contents;
  let enclosingMap: Range | undefined;
  for (const [i, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      enclosingMap = rangeOf(node) ?? enclosingMap;
      const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
      if (!pair) return enclosingMap;
      if (isLast && target === 'key') return rangeOf(pair.key) ?? enclosingMap;
      // A pair without a value node (flow `{ key }`) is located at its key.
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return rangeOf(node) ?? enclosingMap;
      node = item;
    } else {
      return enclosingMap;
    }
  }
  return rangeOf(node) ?? enclosingMap;
}

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

function rangeOf(node: unknown): Range | undefined {
  return (node as Node | null | undefined)?.range ?? undefined;
}
