import { ManifestError, type ManifestIssue } from '../errors.ts';
import { MAX_REPORTED_ISSUES } from './limits.ts';

/** The error for `issues` (already in the order to list them): the first MAX_REPORTED_ISSUES, and the count of all. */
export function manifestError(issues: ManifestIssue[]): ManifestError {
  return listedError(issues, issues.length);
}

/** Issues sorted by position so they read top to bottom; those without a line keep their order, last. */
export function inReadingOrder(issues: ManifestIssue[]): ManifestIssue[] {
  return issues.toSorted(byReadingOrder);
}

function byReadingOrder(a: ManifestIssue, b: ManifestIssue): number {
  return (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0);
}

/** Issues kept before the list is cut back to MAX_REPORTED_ISSUES (the cut sorts, so not after each issue). */
const KEPT_BEFORE_A_CUT = 4 * MAX_REPORTED_ISSUES;

interface Listed {
  issue: ManifestIssue;
  place: string | undefined;
  /** Symbols after the first with the same problem at the same place: how many, and the first few. */
  more: number;
  named: string[];
}

/**
 * The error for `issues`, listed in reading order and once per place, without holding them
 * all: a manifest of a million bad symbols has a million problems, and building, sorting and
 * merging every one as an object took ~2.5 GB to list 500 (measured: `swarm validate` of such
 * a file, 3.4 GB peak). They come one at a time; only the first MAX_REPORTED_ISSUES in reading
 * order are kept (with some slack, cut back by a sort now and then), and the places of the
 * others are remembered only to count each once.
 *
 * Once per place: symbols that merge one anchor (`<<: *defaults`) share its problems, which
 * would otherwise be listed once per symbol (600 times for 600 symbols), all at the anchor's
 * line, hiding the others past the listing's limit. The first stays, naming how many more
 * symbols have it. Issues without a line are never merged, and read last, in their order.
 */
export function listedManifestError(issues: Iterable<ManifestIssue>): ManifestError {
  const kept: Listed[] = [];
  const keptAt = new Map<string, Listed>();
  const placesNotKept = new Set<string>();
  let problems = 0;
  const cut = () => {
    // A stable sort: issues at the same line and column stay in the order they came.
    kept.sort((a, b) => byReadingOrder(a.issue, b.issue));
    for (const dropped of kept.splice(MAX_REPORTED_ISSUES)) {
      if (dropped.place === undefined) continue;
      keptAt.delete(dropped.place);
      placesNotKept.add(dropped.place);
    }
  };
  for (const issue of issues) {
    const place = issue.line === undefined ? undefined : `${issue.line}:${issue.column}:${issue.field}:${issue.message}`;
    if (place !== undefined) {
      const same = keptAt.get(place);
      if (same !== undefined) {
        if (same.named.length < 3) same.named.push(issue.symbol ?? '?');
        same.more++;
        continue;
      }
      if (placesNotKept.has(place)) continue;
    }
    problems++;
    const listed: Listed = { issue, place, more: 0, named: [] };
    kept.push(listed);
    if (place !== undefined) keptAt.set(place, listed);
    if (kept.length >= KEPT_BEFORE_A_CUT) cut();
  }
  cut();
  const shown = kept.map(({ issue, more, named }) => {
    if (more === 0) return issue;
    const names = named.join(', ') + (more > named.length ? ', …' : '');
    return { ...issue, message: `${issue.message} (the same for ${more} more symbol${more === 1 ? '' : 's'}: ${names})` };
  });
  return listedError(shown, problems);
}

function listedError(issues: ManifestIssue[], problems: number): ManifestError {
  // The rest are counted in the error's message, not listed as an issue: `issues` holds problems only.
  return new ManifestError(issues.slice(0, MAX_REPORTED_ISSUES), problems);
}
