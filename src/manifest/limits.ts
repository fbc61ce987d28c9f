import { MAX_JSON_DEPTH } from '../json-limits.ts';

/**
 * The bounds validation keeps so that any manifest, however large or odd, is checked in time
 * linear in its size and never overflows the stack.
 */

/**
 * How deep the format readers (the YAML composer, smol-toml, the position scanner) nest
 * before they refuse the text. Above MAX_JSON_DEPTH, so a value only a little too deep is read
 * and reported with its symbol and field; far below the ~8,000 levels where they overflow.
 */
export const READ_DEPTH_LIMIT = 4 * MAX_JSON_DEPTH;

/**
 * How deep into the manifest an issue points at most (deeper paths are cut here; the issue
 * then points at the enclosing value). The TOML scanner records places to this depth only.
 */
export const LOCATED_DEPTH = 16;

/** Problems listed at most; the rest are counted in one last issue. */
export const MAX_REPORTED_ISSUES = 500;

/** What a value nested deeper than MAX_JSON_DEPTH gets told. */
export const TOO_DEEP_MESSAGE =
  `values are nested deeper than ${MAX_JSON_DEPTH} levels (counted from the top of the manifest), ` +
  'more than the swarm can store; flatten them';
