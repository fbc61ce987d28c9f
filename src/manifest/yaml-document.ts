import {
  Composer,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  YAMLParseError,
  type Alias,
  type CST,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import type { ManifestIssue } from '../errors.ts';
import { MAX_JSON_DEPTH } from '../json-limits.ts';
import type { DataPath, Locator, ReadDocument, TextPosition } from './document.ts';
import { READ_DEPTH_LIMIT, TOO_DEEP_MESSAGE } from './limits.ts';
import { aliasExpansion, anchorBefore, anchorsByName, duplicateKeys, firstTooDeep, lossyIntegers, selfMerges, unknownAliases, type AliasExpansion, type Anchors } from './yaml-checks.ts';
import { ownStringsIn } from './own-strings.ts';
import { inlineAliases } from './yaml-alias-inline.ts';
import { withoutCollectionKeys } from './yaml-collection-keys.ts';
import { withoutBadMergeSources } from './yaml-merge-sources.ts';
import { unknownAliasMessage, withoutUnknownAliases } from './yaml-unknown-aliases.ts';
import { jsonYamlLocator, readJsonYaml } from './yaml-json.ts';
import { plainYamlLocator, readPlainYaml } from './yaml-plain.ts';
import { cutName, shownName } from './shown-name.ts';
import { visibleJson } from '../visible-text.ts';

/**
 * Reads YAML text into plain data, with a way to point issues at lines and columns: the plain
 * reader (yaml-plain.ts) for the common block-style YAML it knows, the JSON reader
 * (yaml-json.ts) for JSON, else the full reader.
 */
export function readYamlDocument(source: string, file: string | undefined): ReadDocument {
  const data = readPlainYaml(source);
  if (data !== undefined) return { data, syntaxIssues: [], locate: plainYamlLocator(source), consumable: true };
  const json = readJsonYaml(source);
  if (json !== undefined) return { data: json, syntaxIssues: [], locate: jsonYamlLocator(source), consumable: true };
  return readFullYamlDocument(source, file);
}

/**
 * Reads any YAML text into plain data, keeping the node tree to point issues at lines and
 * columns. Does what parseDocument does, with a depth check between parsing and composing and
 * the unique-key check of yaml-checks.ts in place of the composer's.
 */
export function readFullYamlDocument(source: string, file: string | undefined): ReadDocument {
  const lineCounter = new LineCounter();
  const positionAt = (offset: number): TextPosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const issue = (offset: number | undefined, message: string): ManifestIssue => ({
    ...(file !== undefined && { file }),
    ...(offset !== undefined && positionAt(offset)),
    message,
  });
  const failed = (issues: ManifestIssue[]): ReadDocument => ({ data: undefined, syntaxIssues: issues, locate: () => ({}) });

  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(source));
  const tooDeep = firstTooDeep(tokens, READ_DEPTH_LIMIT, MAX_JSON_DEPTH + 1);
  if (tooDeep !== undefined) return failed([issue(tooDeep, `YAML error: ${TOO_DEEP_MESSAGE}`)]);
  const doc = composeOne(tokens, source.length);
  const anchors = anchorsByName(doc);
  // prettyErrors off: we want the bare message and place each error ourselves.
  const repeatedKeys = duplicateKeys(doc).map(({ offset, key, firstOffset }) => ({
    offset,
    message: `the key ${visibleJson(cutName(key))} is given twice in one mapping (first at line ${positionAt(firstOffset).line}); keep one of them`,
  }));
  // An unknown alias is left out to report beside the other problems, unless it is the whole document.
  const unknown = unknownAliases(doc, anchors);
  const rootAlias = unknown.find((alias) => alias.node === doc.contents);
  const errors = [
    ...doc.errors.map((error) => ({ offset: error.pos[0], message: error.message })),
    ...(rootAlias ? [{ offset: rootAlias.offset, message: unknownAliasMessage(rootAlias.name) }] : []),
    ...selfMerges(doc, anchors).map(({ offset, name }) => ({ offset, message: `<<: *${shownName(name)} is inside &${shownName(name)} itself: a mapping cannot merge itself` })),
  ];
  const asIssues = (found: { offset: number; message: string }[], kind: string) =>
    found.sort((a, b) => a.offset - b.offset).map((e) => issue(e.offset, `${kind}: ${e.message}`));
  const locate = createYamlLocator(doc, anchors, positionAt);
  if (errors.length > 0) return { data: undefined, syntaxIssues: asIssues([...errors, ...repeatedKeys], 'YAML syntax error'), locate };
  // A key given twice still leaves a document (its last value kept), whose other problems are
  // worth showing in the same pass.
  const readIssues = asIssues([...repeatedKeys, ...lossyIntegers(doc).map(({ offset, text }) => ({ offset, message: lossyIntegerMessage(text) }))], 'YAML error');
  // A document of only comments has null contents; report it as empty, not as `null`.
  if (doc.contents === null) return { data: undefined, syntaxIssues: [], locate };
  const tooMuch = tooMuchCopied(aliasExpansion(doc, anchors));
  if (tooMuch) return failed([issue(tooMuch.offset, `YAML error: ${tooMuch.message}`)]);
  // What the yaml package cannot build as plain data is left out while it builds, and reported.
  // Unknown aliases first: a merge of one is that problem, not a bad merge source too.
  const badAliases = withoutUnknownAliases(doc, unknown);
  const badKeys = withoutCollectionKeys(doc, anchors);
  const badMerges = withoutBadMergeSources(doc, anchors);
  const restoreAliases = inlineAliases(doc, anchors);
  try {
    // +1: the yaml package refuses when its count reaches the limit given (measured).
    const data = ownStringsIn(doc.toJS({ maxAliasCount: MAX_ALIAS_COPIES + 1 }));
    const leftOut = [...badKeys.found, ...badMerges.found, ...badAliases.found]
      .sort((a, b) => a.offset - b.offset)
      .map((bad) => issue(bad.offset, `YAML error: ${bad.message}`));
    return { data, syntaxIssues: [], readIssues: [...readIssues, ...leftOut], locate, consumable: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/alias count/i.test(message)) {
      // toJS counts how often aliases copy an anchor and stops a "billion laughs" bomb.
      return failed([
        issue(
          undefined,
          `YAML error: aliases (*name) make too many copies of their anchors (more than ${MAX_ALIAS_COPIES.toLocaleString('en-US')} copies, or copies of copies, as in an "alias bomb"); write the values out, or use fewer aliases`,
        ),
      ]);
    }
    return failed([issue(undefined, `YAML error: ${message}`)]);
  } finally {
    restoreAliases();
    badMerges.restore();
    badKeys.restore();
    badAliases.restore();
  }
}

function lossyIntegerMessage(text: string): string {
  return (
    `the integer ${cutName(text)} cannot be kept exactly: a number holds integers up to ±9007199254740991 (2^53 − 1), ` +
    `and this one would change (as TOML refuses it too); write it as a string ("${cutName(text)}"), or as a float if an approximation will do`
  );
}

/**
 * How many values aliases may add to a document by copying their anchors: sixteen times what
 * it writes out, and at least a million. Enough for any manifest that shares its fields with
 * `<<: *defaults` (a symbol that merges a 30-field anchor copies ~13 times what it writes), and
 * the memory a document can take stays within a bounded multiple of its own size.
 */
const ALIAS_EXPANSION_FACTOR = 16;
const ALIAS_EXPANSION_FLOOR = 1_000_000;

function tooMuchCopied({ written, expanded, largest }: AliasExpansion): { offset: number; message: string } | undefined {
  const allowed = Math.max(ALIAS_EXPANSION_FACTOR * written, written + ALIAS_EXPANSION_FLOOR);
  if (expanded <= allowed || largest === undefined) return undefined;
  const count = (n: number) => (Number.isFinite(n) && n < 1e15 ? Math.round(n).toLocaleString('en-US') : 'more than a quadrillion');
  return {
    offset: largest.offset,
    message:
      `aliases (*name) and merge keys (<<: *name) copy their anchors out to ${count(expanded)} values, from ${count(written)} written ` +
      `(at most ${count(allowed)}, or it is an "alias bomb"); this one copies &${largest.name}, ${count(largest.values)} values each time. ` +
      'Write the shared values out where they are needed, or share smaller anchors',
  };
}

/**
 * How many copies aliases may make of an anchor, counting the aliases inside it (the yaml
 * package's `maxAliasCount`; its default of 100 refused a manifest whose 101 symbols each
 * merge `<<: *defaults`). A "billion laughs" bomb multiplies its copies level by level, so it
 * passes this bound within a few levels, long before it takes any memory.
 */
const MAX_ALIAS_COPIES = 10_000;

/** The first document; a second one is an error, as with parseDocument. */
function composeOne(tokens: Iterable<CST.Token>, length: number): Document.Parsed {
  // uniqueKeys off: yaml-checks.ts checks them in linear time. Merge keys (`<<: *defaults`)
  // on: YAML 1.2 left them out, but they are how a manifest shares fields between symbols.
  // logLevel error: the package's warnings (process.emitWarning) never reach the user's stderr.
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false, merge: true, logLevel: 'error' });
  let doc: Document.Parsed | undefined;
  for (const next of composer.compose(tokens, true, length)) {
    if (doc === undefined) {
      doc = next;
      continue;
    }
    doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
    break;
  }
  return doc!;
}

type Range = readonly [number, number, number];

function createYamlLocator(doc: Document, anchors: Anchors, positionAt: (offset: number) => TextPosition): Locator {
  // Keys of each mapping looked up so far, so that locating many issues stays linear.
  const pairsByKey = new WeakMap<YAMLMap, Map<string | typeof MERGE, Pair>>();
  const resolve = (alias: Alias): unknown => anchorBefore(anchors, alias.source, alias.range?.[0] ?? 0);
  const pairOf = (map: YAMLMap, key: string, depth = 0): Pair | undefined => {
    let pairs = pairsByKey.get(map);
    if (pairs === undefined) {
      pairs = new Map();
      for (const item of map.items) {
        const text = isPair(item) ? (isMergeKey(item.key) ? MERGE : keyText(item.key)) : undefined;
        // A key given twice has its last value in the data (and is reported as given twice).
        if (text !== undefined && (text !== MERGE || !pairs.has(text))) pairs.set(text, item);
      }
      pairsByKey.set(map, pairs);
    }
    const own = pairs.get(key);
    if (own !== undefined || depth > MERGE_DEPTH) return own;
    // A merged key (`<<: *defaults`) is where the anchor writes it, the first source first.
    const merge = pairs.get(MERGE)?.value;
    const sources = isSeq(merge) ? merge.items : merge ? [merge] : [];
    for (const source of sources) {
      const from = isAlias(source) ? resolve(source) : source;
      const found = isMap(from) ? pairOf(from, key, depth + 1) : undefined;
      if (found) return found;
    }
    return undefined;
  };
  return (path, target) => {
    const range = findRange(doc, path, target, pairOf, resolve);
    return range ? positionAt(range[0]) : {};
  };
}

/** Where a mapping's merge key (`<<`) is kept among its keys. */
const MERGE = Symbol('merge key');

/** The yaml package, with merge keys on, gives a `<<` key a symbol for its value. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol';
}
/** How deep merges are followed (an anchor that merges another, …) to place a merged key. */
const MERGE_DEPTH = 16;

/** The source range of the node at `path`, or of the deepest mapping on the way when it is missing. */
function findRange(
  doc: Document,
  path: DataPath,
  target: 'value' | 'key',
  pairOf: (map: YAMLMap, key: string) => Pair | undefined,
  resolve: (alias: Alias) => unknown,
): Range | undefined {
  let node: unknown = doc.contents;
  let enclosingMap: Range | undefined;
  for (const [i, segment] of path.entries()) {
    if (isAlias(node)) node = resolve(node);
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      enclosingMap = rangeOf(node) ?? enclosingMap;
      const pair = pairOf(node, String(segment));
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
