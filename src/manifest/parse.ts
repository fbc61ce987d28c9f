import { ManifestError, type ManifestIssue } from '../errors.ts';
import { checkAcrossSymbols } from './cross-checks.ts';
import { withDefaultTimeouts, type ManifestDefaults } from './defaults.ts';
import type { Locator, ReadDocument } from './document.ts';
import { sniffFormat } from './format.ts';
import { checkInternalOperations } from './internal-checks.ts';
import { createIssueBuilder, type IssueDraft } from './issue-builder.ts';
import { isMapping, viewRawSymbols } from './raw-symbols.ts';
import { buildManifestSchema } from './schema.ts';
import { draftsFromZodIssues, readableZodMessages } from './schema-issues.ts';
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
export function parseManifest(source: string, options: ParseManifestOptions = {}): LoadedManifest {
  const format = options.format ?? sniffFormat(source);
  const document: ReadDocument =
    format === 'toml' ? readTomlDocument(source, options.file) : readYamlDocument(source, options.file);
  if (document.syntaxIssues.length > 0) throw new ManifestError(document.syntaxIssues);
  const manifest = validateManifestData(document.data, { ...options, locate: document.locate });
  return { manifest, source, format };
}

/**
 * Validates manifest data that is already parsed (e.g. an object built in code), filling in
 * every default. `undefined` counts as an empty manifest. Issues carry positions only when a
 * `locate` function is given. Throws a ManifestError listing every problem.
 */
export function validateManifestData(
  data: unknown,
  options: { file?: string; defaults?: ManifestDefaults; locate?: Locator } = {},
): Manifest {
  const locate = options.locate ?? (() => ({}));
  const toIssue = createIssueBuilder({ file: options.file, data, locate });
  if (data === undefined) {
    const message = 'the manifest is empty; it needs at least `name` and `symbols`';
    throw new ManifestError([toIssue({ path: [], message })]);
  }
  if (!isMapping(data)) {
    const found = Array.isArray(data) ? 'a list' : `a single value (${JSON.stringify(data)})`;
    const message = `the manifest must be a mapping with \`name\` and \`symbols\`, but it is ${found}`;
    throw new ManifestError([toIssue({ path: [], message })]);
  }

  const result = buildManifestSchema(options.defaults?.retries).safeParse(data, { error: readableZodMessages });
  const symbols = viewRawSymbols(data);
  const drafts: IssueDraft[] = [
    ...(result.success ? [] : draftsFromZodIssues(result.error.issues, data)),
    ...checkAcrossSymbols(symbols),
    ...checkInternalOperations(symbols),
  ];
  if (drafts.length > 0 || !result.success) throw new ManifestError(inReadingOrder(drafts.map(toIssue)));
  return withDefaultTimeouts(result.data, options.defaults?.timeouts);
}

/** Issues sorted by position so they read top to bottom; those without a line keep their order, last. */
function inReadingOrder(issues: ManifestIssue[]): ManifestIssue[] {
  const rank = (issue: ManifestIssue) => [issue.line ?? Infinity, issue.column ?? 0];
  return issues.toSorted((a, b) => {
    const [lineA, columnA] = rank(a);
    const [lineB, columnB] = rank(b);
    return lineA - lineB || columnA - columnB;
  });
}
