import type { z } from 'zod';

/**
 * Turns zod issues into the one-line explanations decodeFrame returns: where (a path such as
 * `messages[2].lease`) and what was wrong, showing the offending value briefly.
 */

export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? 'frame' : out;
}

/** A short description of a value for an error message: strings quoted and cut at 40 characters. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string': {
      const quoted = JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
      return `string ${quoted}`;
    }
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

const EXPECTED_NAMES: Record<string, string> = {
  int: 'an integer',
  record: 'an object',
  object: 'an object',
  array: 'an array',
  nonoptional: 'a value',
};

function expectedName(expected: string): string {
  return EXPECTED_NAMES[expected] ?? expected;
}

/** The value at `path` inside `data`, and whether it is there at all. */
function valueAt(data: unknown, path: readonly PropertyKey[]): { present: boolean; value: unknown } {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) {
      return { present: false, value: undefined };
    }
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return { present: current !== undefined, value: current };
}

function what(issue: z.core.$ZodIssue, data: unknown): string {
  const found = valueAt(data, issue.path);
  const got = found.present ? `, got ${describeValue(found.value)}` : '';
  switch (issue.code) {
    case 'invalid_type':
      return found.present
        ? `expected ${expectedName(issue.expected)}${got}`
        : `missing (expected ${expectedName(issue.expected)})`;
    case 'invalid_value':
    case 'invalid_union': {
      const options =
        issue.code === 'invalid_value' ? issue.values : ((issue as { options?: unknown[] }).options ?? []);
      if (options.length === 0) return found.present ? `invalid value${got}` : 'missing';
      const list = options.map((o) => JSON.stringify(o)).join(' or ');
      return found.present ? `expected ${list}${got}` : `missing (expected ${list})`;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = small ? issue.minimum : issue.maximum;
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'string' && small && limit === 1) return `must not be empty${got}`;
      if (issue.origin === 'number' || issue.origin === 'int') {
        const op = small ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
        return `must be ${op} ${String(limit)}${got}`;
      }
      return `${issue.message}${got}`;
    }
    default:
      return `${issue.message}${got}`;
  }
}

/**
 * One line per issue, at most `limit` of them: `messages[2].lease: expected number, got
 * string "7"`. `prefix` is where `data` sits in the frame (empty for a single-message frame).
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  prefix: readonly PathSegment[],
): string[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path.map((s) => (typeof s === 'symbol' ? String(s) : s))];
    return `${formatPath(path)}: ${what(issue, data)}`;
  });
}
