import type { z } from 'zod';
import { CONFIG_SECTIONS } from '../config/sections.ts';
import { EXTENSION_PREFIX } from './extension-fields.ts';
import type { DataPath } from './document.ts';
import type { IssueDraft } from './issue-builder.ts';
import { MANIFEST_FIELD_NAMES, ROLLBACK_FIELD_NAMES, SYMBOL_FIELD_NAMES, SYMBOL_ONLY_FIELDS } from './schema.ts';
import { didYouMean } from './suggest.ts';
import { visibleJson } from '../visible-text.ts';
import { shownName } from './shown-name.ts';

/**
 * Rewrites zod's issues as manifest drafts: one draft per unknown key (with a spelling hint),
 * "is required" for missing keys, and messages that show the offending value.
 * `data` is the input zod saw, used to tell a missing key from a wrong value.
 */
export function* draftsFromZodIssues(issues: readonly z.core.$ZodIssue[], data: unknown): Generator<IssueDraft> {
  // One at a time: a manifest of a million bad symbols has a million issues, listed 500 at most.
  for (let i = 0; i < issues.length; i++) {
    const issue = issues[i];
    const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) yield { path: [...path, key], at: 'key', message: unknownFieldMessage(key, path) };
    } else yield { path, message: messageFor(issue, path, data) };
  }
}

function messageFor(issue: z.core.$ZodIssue, path: DataPath, data: unknown): string {
  const value = valueAt(data, path);
  switch (issue.code) {
    case 'invalid_type':
      if (!value.present) return `is required (${expectedText(issue.expected)})`;
      return (
        `expected ${expectedText(issue.expected)}, got ${describeValue(value.value)}` +
        quoteHint(issue.expected, value.value)
      );
    case 'invalid_value': {
      const options = issue.values.map(String);
      if (!value.present) return `is required; one of: ${options.join(', ')}`;
      const hint = typeof value.value === 'string' ? didYouMean(value.value, options) : '';
      return `must be one of: ${options.join(', ')}; got ${describeValue(value.value)}${hint}`;
    }
    default: {
      // Size and format problems: showing a scalar helps; "got a list" would not.
      const isScalar = value.present && (typeof value.value !== 'object' || value.value === null);
      return isScalar ? `${issue.message}; got ${describeValue(value.value)}` : issue.message;
    }
  }
}

function unknownFieldMessage(written: string, parentPath: DataPath): string {
  const key = shownName(written);
  const known = knownFieldsAt(parentPath);
  if (parentPath.at(-1) === 'rollback' && (SYMBOL_ONLY_FIELDS as readonly string[]).includes(written)) {
    return (
      `"${key}" is not allowed in a rollback: ` +
      'a rollback runs on its own, once, after its parent has failed for good'
    );
  }
  const suggestion = didYouMean(written, known);
  if (suggestion) return `unknown field "${key}"${suggestion}`;
  if (parentPath.length === 0 && CONFIG_SECTIONS.includes(written)) {
    return `unknown field "${key}": [${key}] is a section of the swarm's config file, not of a workflow manifest; give the config after the manifest (swarm run <manifest> [config])`;
  }
  // At the top, a field of one's own (a home for YAML anchors) is allowed under another name.
  const own = parentPath.length === 0 ? `; a field of your own (say, for YAML anchors) must be named ${EXTENSION_PREFIX}…, as in ${EXTENSION_PREFIX}${key.replace(/^x[-_]/i, '')}` : '';
  return `unknown field "${key}"; known fields: ${known.join(', ')}${own}`;
}

function knownFieldsAt(parentPath: DataPath): readonly string[] {
  if (parentPath.length === 0) return MANIFEST_FIELD_NAMES;
  if (parentPath.at(-1) === 'rollback') return ROLLBACK_FIELD_NAMES;
  return SYMBOL_FIELD_NAMES;
}

function valueAt(data: unknown, path: DataPath): { present: boolean; value?: unknown } {
  let node = data;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return { present: false };
    node = (node as Record<string | number, unknown>)[segment];
  }
  return { present: true, value: node };
}

const EXPECTED_TEXT: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping (key: value pairs)',
  record: 'a mapping (key: value pairs)',
  // What zod expects of a key that takes any value (state.set's `value`) when it is missing.
  nonoptional: 'any value, null included',
};

function expectedText(expected: string): string {
  return EXPECTED_TEXT[expected] ?? expected;
}

/** A short, readable account of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  // What YAML's !!binary, !!set and !!omap make: not mappings, whatever typeof says.
  if (ArrayBuffer.isView(value)) return 'binary data (!!binary)';
  if (value instanceof Set) return 'a set (!!set)';
  if (value instanceof Map) return 'an ordered mapping (!!omap)';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `the string ${visibleJson(shown)}`;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? `the number ${value}` : `${value}, which is not a finite number`;
  return String(value);
}

/** YAML reads `version: 1.0` as a number; say how to keep it text. */
function quoteHint(expected: string, value: unknown): string {
  return expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')
    ? ' (put it in quotes to make it text)'
    : '';
}

/**
 * A per-parse zod error map with plainer wording for size limits. Messages set on a schema
 * still win over it; everything it does not cover keeps zod's own wording.
 */
export const readableZodMessages: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'too_small' && issue.code !== 'too_big') return undefined;
  const limit = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive ?? true;
  const small = issue.code === 'too_small';
  switch (issue.origin) {
    case 'number':
    case 'int':
      if (small) return `must be ${inclusive ? 'at least' : 'greater than'} ${limit}`;
      return `must be ${inclusive ? 'at most' : 'less than'} ${limit}`;
    case 'string':
      if (small && limit === 1) return 'must not be empty';
      return `must be ${small ? 'at least' : 'at most'} ${limit} characters long`;
    case 'array':
      return `must have ${small ? 'at least' : 'at most'} ${limit} ${limit === 1 ? 'entry' : 'entries'}`;
    default:
      return undefined;
  }
};
