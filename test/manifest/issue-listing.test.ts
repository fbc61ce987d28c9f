import { describe, expect, test } from 'bun:test';
import type { ManifestIssue } from '../../src/errors.ts';
import { listedManifestError } from '../../src/manifest/issue-listing.ts';
import { MAX_REPORTED_ISSUES } from '../../src/manifest/limits.ts';

/** The listing as it is defined: every issue sorted into reading order, then merged once per place, then cut. */
function reference(issues: ManifestIssue[]): { listed: ManifestIssue[]; problems: number } {
  const sorted = issues.toSorted((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
  const first = new Map<string, { issue: ManifestIssue; more: string[] }>();
  const out: ManifestIssue[] = [];
  for (const issue of sorted) {
    const place = issue.line === undefined ? undefined : `${issue.line}:${issue.column}:${issue.field}:${issue.message}`;
    const seen = place === undefined ? undefined : first.get(place);
    if (seen) {
      seen.more.push(issue.symbol ?? '?');
      continue;
    }
    const entry = { issue: { ...issue }, more: [] as string[] };
    if (place !== undefined) first.set(place, entry);
    out.push(entry.issue);
  }
  for (const { issue, more } of first.values()) {
    if (more.length === 0) continue;
    const named = more.slice(0, 3).join(', ') + (more.length > 3 ? ', …' : '');
    issue.message = `${issue.message} (the same for ${more.length} more symbol${more.length === 1 ? '' : 's'}: ${named})`;
  }
  return { listed: out.slice(0, MAX_REPORTED_ISSUES), problems: out.length };
}

/** A seeded generator (mulberry32), so a failure can be run again. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Issues in the order a check gives them, not reading order: most at their own place, some
 * sharing one (symbols merging one anchor), some sharing a line with different messages, a
 * few without a line.
 */
function issuesOf(count: number, seed: number): ManifestIssue[] {
  const next = random(seed);
  const issues: ManifestIssue[] = [];
  for (let i = 0; i < count; i++) {
    const r = next();
    const symbol = `s${i}`;
    if (r < 0.02) issues.push({ file: 'm.yaml', symbol, message: `no line ${i}` });
    else if (r < 0.3) issues.push({ file: 'm.yaml', line: 1 + Math.floor(next() * 40), column: 3, symbol, field: 'type', message: 'shared' });
    else if (r < 0.4) issues.push({ file: 'm.yaml', line: 50 + Math.floor(next() * 200), column: 5, symbol, field: 'retries', message: `m${Math.floor(next() * 3)}` });
    else issues.push({ file: 'm.yaml', line: Math.floor(next() * count * 4), column: 1 + Math.floor(next() * 9), symbol, field: 'name', message: `bad ${i}` });
  }
  return issues;
}

describe('the listing of many problems', () => {
  for (const [count, seed] of [
    [0, 1],
    [1, 2],
    [MAX_REPORTED_ISSUES, 3],
    [MAX_REPORTED_ISSUES + 1, 4],
    [5 * MAX_REPORTED_ISSUES, 5],
    [30_000, 6],
  ] as const) {
    test(`${count} issues (seed ${seed}): the same listing and count as sorting and merging them all`, () => {
      const issues = issuesOf(count, seed);
      const { listed, problems } = reference(issues);
      const error = listedManifestError(issues);
      expect(error.problems).toBe(problems);
      if (problems <= MAX_REPORTED_ISSUES) {
        expect(error.issues).toEqual(listed);
        return;
      }
      // Only problems are listed; the rest are counted in the message.
      expect(error.issues).toEqual(listed.slice(0, MAX_REPORTED_ISSUES));
      expect(error.message).toEndWith(`\n  and ${problems - MAX_REPORTED_ISSUES} more problems not listed (only the first ${MAX_REPORTED_ISSUES} are); fix these and validate again`);
    });
  }

  test('the issues come one at a time: a generator of them is read once', () => {
    let made = 0;
    function* many(): Generator<ManifestIssue> {
      for (let i = 0; i < 10_000; i++) {
        made++;
        yield { file: 'm.yaml', line: 10_000 - i, column: 1, symbol: `s${i}`, message: 'bad' };
      }
    }
    const error = listedManifestError(many());
    expect(made).toBe(10_000);
    expect(error.problems).toBe(10_000);
    expect(error.issues[0]).toMatchObject({ line: 1, symbol: 's9999' });
  });
});
