import { shownName } from './shown-name.ts';

/**
 * "Did you mean ...?" hints for misspelt field names, symbol names and operations.
 * Field and operation lists are short; symbol names can be tens of thousands, so comparisons
 * stop as soon as a word is out of reach, skip words of the wrong length, and a
 * SpellingIndex over many names has a budget of comparisons (see below).
 */

/** Most edits a hint may need; also bounds how far lengths may differ. */
const MAX_EDITS = 3;

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of two neighbouring
 * letters (optimal string alignment), since swapped letters are a common typo ("stroe").
 */
export function editDistance(a: string, b: string): number {
  return boundedEditDistance(a, b, Math.max(a.length, b.length));
}

/**
 * editDistance when it is at most `limit`, else `limit + 1`. Only the band of cells within
 * `limit` of the diagonal can stay within the limit, so only they are computed: comparing two
 * words costs about |a| x (2 x limit + 1) steps, however long and alike they are (two
 * 100,000-character names with a shared prefix would otherwise cost 10^10), and a row whose
 * band exceeds the limit ends the comparison at once.
 */
function boundedEditDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const width = b.length + 1;
  const out = limit + 1;
  let before = new Int32Array(width).fill(out); // row i-2
  let previous = new Int32Array(width).fill(out); // row i-1
  let current = new Int32Array(width).fill(out);
  for (let j = 0; j < width && j <= limit; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - limit);
    const to = Math.min(width - 1, i + limit);
    current.fill(out, Math.max(0, from - 1), Math.min(width, to + 2));
    current[0] = i <= limit ? i : out;
    let rowMin = current[0];
    for (let j = from; j <= to; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2] + 1);
      current[j] = Math.min(value, out);
      if (current[j] < rowMin) rowMin = current[j];
    }
    if (rowMin > limit) return out;
    [before, previous, current] = [previous, current, before];
  }
  return Math.min(previous[b.length], out);
}

/** How many edits `input` may be from a hint: a third of the word, at most MAX_EDITS. */
function editsAllowed(input: string): number {
  return Math.min(MAX_EDITS, Math.floor(input.length / 3));
}

/**
 * The candidate closest to `input`, when it is close enough to be a plausible typo
 * (at most a third of the word changed, and never more than 3 edits); else undefined.
 * Words under 3 characters only match when they differ in case, as any hint would be a guess.
 */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  const wanted = input.toLowerCase();
  const limit = editsAllowed(wanted);
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const distance = boundedEditDistance(wanted, candidate.toLowerCase(), Math.min(limit, bestDistance - 1));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      if (distance === 0) break;
    }
  }
  return best;
}

/** `; did you mean "x"?` when a close candidate exists, else an empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  return hintText(closestMatch(input, candidates));
}

function hintText(match: string | undefined): string {
  return match === undefined ? '' : `; did you mean "${shownName(match)}"?`;
}

/**
 * Word comparisons one SpellingIndex may make in all. A full search costs one comparison per
 * name of a near length, so 50,000 names and thousands of misspellings would take minutes;
 * the budget keeps validation linear. Two million comparisons take well under a second and
 * give a hint to every misspelling of a manifest of a few thousand symbols.
 */
export const SPELLING_COMPARISON_BUDGET = 500_000;

/**
 * Hints among many names (symbol names, for unknown dependencies). Names are grouped by
 * length, so only names within reach are compared; a name that differs only in case is
 * found at once, whatever the budget. Once the budget is spent, hints are only those.
 */
export class SpellingIndex {
  private readonly byLowerCase = new Map<string, string>();
  private readonly byLength = new Map<number, { name: string; lower: string }[]>();
  private comparisonsLeft = SPELLING_COMPARISON_BUDGET;

  constructor(names: Iterable<string>) {
    for (const name of names) {
      const lower = name.toLowerCase();
      if (!this.byLowerCase.has(lower)) this.byLowerCase.set(lower, name);
      const group = this.byLength.get(lower.length);
      if (group === undefined) this.byLength.set(lower.length, [{ name, lower }]);
      else group.push({ name, lower });
    }
  }

  /** `; did you mean "x"?` like didYouMean, within the index's budget. */
  didYouMean(input: string): string {
    return hintText(this.closest(input));
  }

  /** Like closestMatch over the names, within the budget. */
  closest(input: string): string | undefined {
    const wanted = input.toLowerCase();
    const sameButCase = this.byLowerCase.get(wanted);
    if (sameButCase !== undefined && sameButCase !== input) return sameButCase;
    const limit = editsAllowed(wanted);
    let best: string | undefined;
    let bestDistance = limit + 1;
    // Nearest lengths first, so a good match is found early and narrows the search.
    for (let spread = 0; spread <= limit && spread < bestDistance; spread++) {
      for (const length of spread === 0 ? [wanted.length] : [wanted.length - spread, wanted.length + spread]) {
        for (const { name, lower } of this.byLength.get(length) ?? []) {
          if (this.comparisonsLeft <= 0) return best;
          this.comparisonsLeft--;
          if (name === input) continue;
          const distance = boundedEditDistance(wanted, lower, Math.min(limit, bestDistance - 1));
          if (distance < bestDistance) {
            best = name;
            bestDistance = distance;
          }
        }
      }
    }
    return best;
  }
}
