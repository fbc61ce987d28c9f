import { ManifestError, type ManifestIssue } from '../errors.ts';
import { inReadingOrder, listedManifestError, manifestError } from './issue-listing.ts';
import type { z } from 'zod';
import { MAX_JSON_DEPTH, jsonProblems, type JsonProblem } from '../json-limits.ts';
import { withoutExtensionFields } from './extension-fields.ts';
import { collectYoungGarbage } from '../garbage-collection.ts';
import { checkAcrossSymbols } from './cross-checks.ts';
import { defaultTimeoutsFiller, type ManifestDefaults } from './defaults.ts';
import type { Locator, ReadDocument } from './document.ts';
import { sniffFormat } from './format.ts';
import { checkInternalOperations } from './internal-checks.ts';
import { createIssueBuilder, type IssueDraft } from './issue-builder.ts';
import { LOCATED_DEPTH, TOO_DEEP_MESSAGE } from './limits.ts';
import { isMapping, viewRawSymbols } from './raw-symbols.ts';
import { buildManifestSchema } from './schema.ts';
import { parseWithSchema, SYMBOLS_PARSED_IN_PARTS } from './schema-parse.ts';
import { describeValue, draftsFromZodIssues } from './schema-issues.ts';
import { readTomlDocument } from './toml-document.ts';
import type { LoadedManifest, Manifest, ManifestFormat } from './types.ts';
import { readYamlDocument } from './yaml-document.ts';

export interface ParseManifestOptions {
  /** yaml or toml; guessed from the text when absent. */
  format?: ManifestFormat;
  /** Where the text came from, for error messages. */
  file?: string;
  /** Values for fields symbols leave out, from the config (see manifestDefaults). */
  defaults?: ManifestDefaults;
}

/**
 * Parses and validates manifest text, filling in every default. Throws a ManifestError that
 * lists every problem found (syntax errors alone when the text cannot be read at all).
 */
export function parseManifest(text: string, options: ParseManifestOptions = {}): LoadedManifest {
  // A byte order mark (in text posted as it was saved) is no column of line 1.
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const format = options.format ?? sniffFormat(source);
  return withoutStackOverflow(options.file, () => {
    const document: ReadDocument =
      format === 'toml' ? readTomlDocument(source, options.file) : readYamlDocument(source, options.file);
    if (document.syntaxIssues.length > 0) throw withFormatHint(source, format, document.syntaxIssues, options.file);
    // TOML can also be one long YAML string: then "not a mapping" gets the same hint.
    if (document.data !== undefined && !isMapping(document.data) && sniffFormat(source) !== format) {
      throw withFormatHint(source, format, [{ message: `read as ${format.toUpperCase()}, it is not a mapping` }], options.file);
    }
    const manifest = validateManifestData(document.data, { ...options, locate: document.locate, readIssues: document.readIssues, consume: document.consumable });
    return { manifest, source, format };
  });
}

/** Syntax errors shown before the reader gives up on text of the other format. */
const SYNTAX_ISSUES_BEHIND_A_HINT = 3;

/**
 * The error for syntax issues. Text that fails as one format but reads like the other (TOML in
 * a .yaml file) gets one issue that says so first, and only the first few of the wrong reader's
 * errors, which would otherwise be a screenful about the wrong language (the rest are counted).
 */
function withFormatHint(source: string, format: ManifestFormat, issues: ManifestIssue[], file: string | undefined): ManifestError {
  const looksLike = sniffFormat(source);
  if (looksLike === format) return manifestError(issues);
  const hint: ManifestIssue = {
    ...(file !== undefined && { file }),
    message:
      `this reads like ${looksLike.toUpperCase()}, not ${format.toUpperCase()} (its first line), but it was read as ${format.toUpperCase()} ` +
      `because of its file name; rename it to .${looksLike === 'toml' ? 'toml' : 'yaml'}, or write it as ${format.toUpperCase()}`,
  };
  return new ManifestError([hint, ...issues.slice(0, SYNTAX_ISSUES_BEHIND_A_HINT)], 1 + issues.length);
}

/**
 * The readers and checks are bounded (limits.ts), so this is the last guard: whatever input
 * still overflows the stack is an invalid manifest, never a RangeError trace.
 */
function withoutStackOverflow<T>(file: string | undefined, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof RangeError) || !/call stack/i.test(error.message)) throw error;
    throw new ManifestError([{ ...(file !== undefined && { file }), message: `the manifest is too deeply nested to read: ${TOO_DEEP_MESSAGE}` }]);
  }
}

interface ValidateOptions {
  file?: string;
  defaults?: ManifestDefaults;
  locate?: Locator;
  /** Problems the reader found that left the data readable (ReadDocument.readIssues). */
  readIssues?: ManifestIssue[];
  /** `data` is the caller's to give up: a big manifest's symbols as read are replaced as they are parsed. */
  consume?: boolean;
}

/**
 * Validates manifest data that is already parsed (e.g. an object built in code), filling in
 * every default. `undefined` counts as an empty manifest. Issues carry positions only when a
 * `locate` function is given. Throws a ManifestError listing every problem.
 */
export function validateManifestData(
  data: unknown,
  options: ValidateOptions = {},
): Manifest {
  const locate = options.locate ?? (() => ({}));
  const toIssue = createIssueBuilder({ file: options.file, data, locate });
  const readIssues = options.readIssues ?? [];
  if (data === undefined) {
    const message = 'the manifest is empty; it needs at least `name` and `symbols`';
    throw manifestError(inReadingOrder([...readIssues, toIssue({ path: [], message })]));
  }
  if (!isMapping(data)) {
    const found = Array.isArray(data) ? 'a list' : `a single value (${describeValue(data)})`;
    const message = `the manifest must be a mapping with \`name\` and \`symbols\`, but it is ${found}`;
    throw manifestError(inReadingOrder([...readIssues, toIssue({ path: [], message })]));
  }
  return validateManifestMapping(withoutExtensionFields(data), { ...options, readIssues }, toIssue);
}

/** The checks of a manifest that is a mapping, its extension fields (`x-…`) left out. */
function validateManifestMapping(
  data: Record<string, unknown>,
  options: ValidateOptions & { readIssues: ManifestIssue[] },
  toIssue: ReturnType<typeof createIssueBuilder>,
): Manifest {
  // What cannot be stored (a self-referencing alias, too deep, NaN) is reported beside the rest.
  const unstorable = Array.from(jsonProblems(data, MAX_JSON_DEPTH, { finiteNumbers: true, plainData: true, noProtoKeys: true }), (problem) => unstorableDraft(problem, data));
  // The checks across symbols read the symbols as written, so they come before a parse that
  // may consume them.
  const { across, internal } = checkRawSymbols(data);
  const result = parseWithSchema(buildManifestSchema(options.defaults?.retries), data, {
    finish: defaultTimeoutsFiller(options.defaults?.timeouts),
    consume: options.consume,
  });
  const schemaIssues = result.success ? [] : result.issues;
  const unstorableShown = withoutSchemaPlaces(unstorable, schemaIssues, data);
  if (unstorableShown.length === 0 && across.length === 0 && internal.length === 0 && result.success && options.readIssues.length === 0) return result.data;
  // The drafts are made, and located, one at a time as they are listed: there may be a million.
  function* drafts(): Generator<IssueDraft> {
    yield* unstorableShown;
    yield* draftsFromZodIssues(schemaIssues, data);
    yield* across;
    yield* internal;
  }
  throw listedManifestError(located(options.readIssues, drafts(), toIssue));
}

/**
 * The unstorable values the schema does not already refuse where they are: NaN for a number
 * field gets the schema's message alone, as "write it as a string" would not apply there.
 */
function withoutSchemaPlaces(unstorable: IssueDraft[], schemaIssues: readonly z.core.$ZodIssue[], data: unknown): IssueDraft[] {
  if (unstorable.length === 0 || schemaIssues.length === 0) return unstorable;
  const placeOf = (draft: IssueDraft) => JSON.stringify(draft.path);
  const places = new Set(unstorable.map(placeOf));
  for (const draft of draftsFromZodIssues(schemaIssues, data)) places.delete(placeOf(draft));
  return unstorable.filter((draft) => places.has(placeOf(draft)));
}

/** The checks that span symbols, on a view of them that is let go of before the schema's parse. */
function checkRawSymbols(data: Record<string, unknown>): { across: IssueDraft[]; internal: IssueDraft[] } {
  const symbols = viewRawSymbols(data);
  const across = checkAcrossSymbols(symbols);
  if (isBig(data)) collectYoungGarbage();
  return { across, internal: checkInternalOperations(symbols) };
}

/** Symbols enough that the checks' garbage is worth a young collection between them. */
function isBig(data: Record<string, unknown>): boolean {
  return Array.isArray(data.symbols) && data.symbols.length >= SYMBOLS_PARSED_IN_PARTS;
}

function unstorableDraft(problem: JsonProblem, data: unknown): IssueDraft {
  // Enough of the path to find the value, not 256 segments of it.
  const path = problem.segments.slice(0, LOCATED_DEPTH);
  switch (problem.reason) {
    case 'cycle':
      // Only a YAML alias can make a value contain itself (or code that passes such data).
      return {
        path,
        message: 'a value that contains itself (a YAML alias used inside its own anchor), which the swarm cannot store; write the value out instead',
      };
    case 'depth':
      return { path, message: TOO_DEEP_MESSAGE };
    case 'bigint':
      return { path, message: 'a BigInt, which JSON cannot hold; use a number or a string' };
    case 'not-plain':
      return {
        path,
        message: 'a value that is not plain data (a YAML !!set, !!omap, !!binary or !!timestamp), which JSON would store as something else; write it as a list, a mapping, a string or a number',
      };
    case 'not-json':
      return typeof valueAt(data, problem.segments) === 'number'
        ? { path, message: 'not a finite number (NaN or infinity), which JSON cannot hold; write it as a string' }
        : { path, message: 'a value whose toJSON() throws, which the swarm cannot store' };
    case 'lone-surrogate':
      // "\uD83D" in a double-quoted YAML string, or JSON's escape of half a pair.
      return {
        path,
        message:
          'a lone UTF-16 surrogate (half of a character that takes two UTF-16 units, such as an emoji), which UTF-8 cannot hold, and backends and workers read UTF-8; write both halves ("\\uD83D\\uDE00") or the character itself, or remove the half',
      };
    case 'proto-key':
      // Refused rather than kept: every copy on the way (the schema's, a module's) would have to
      // define it as an own property, or it silently becomes the object's prototype.
      return {
        path,
        at: 'key',
        message: 'a key named __proto__, which JavaScript takes for an object\'s prototype: it would vanish on the way to the backend; rename it',
      };
    case 'unreadable':
      // Only data built in code (the programmatic API) can throw when read: a getter, a Proxy.
      return { path, message: `${problem.message}, which the swarm cannot store; pass plain data` };
  }
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let node = data;
  for (const segment of path) node = (node as Record<string | number, unknown>)[segment];
  return node;
}

/** The reader's issues, then each draft located, one at a time: there may be a million (see listedManifestError). */
function* located(readIssues: readonly ManifestIssue[], drafts: Iterable<IssueDraft>, toIssue: (draft: IssueDraft) => ManifestIssue): Generator<ManifestIssue> {
  yield* readIssues;
  let count = 0;
  for (const draft of drafts) {
    yield toIssue(draft);
    // Each issue's garbage (its path, message, place) is young: collected as the loop goes.
    if (++count % 65_536 === 0) collectYoungGarbage();
  }
}
