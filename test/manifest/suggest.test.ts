import { describe, expect, test } from 'bun:test';
import { closestMatch, editDistance, SPELLING_COMPARISON_BUDGET, SpellingIndex } from '../../src/manifest/suggest.ts';

describe('spelling hints', () => {
  test('edit distance counts swapped neighbours as one edit', () => {
    expect(editDistance('stroe', 'store')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  test('only plausible typos are suggested', () => {
    expect(closestMatch('dependancies', ['dependencies', 'priority'])).toBe('dependencies');
    expect(closestMatch('Timeout', ['timeout'])).toBe('timeout');
    expect(closestMatch('colour', ['name', 'type', 'context'])).toBeUndefined();
    expect(closestMatch('q', ['a', 'b'])).toBeUndefined();
  });

  test('a word far longer than any candidate is compared at once, without a full table', () => {
    expect(closestMatch('x'.repeat(1_000_000), ['timeout', 'retries'])).toBeUndefined();
  });

  test('a SpellingIndex gives the same hints as closestMatch', () => {
    const names = ['fetch-posts', 'store', 'publish', 'notify-team'];
    const index = new SpellingIndex(names);
    for (const input of ['stroe', 'fetch-post', 'Publish', 'notfy-team', 'other', 'st']) {
      expect(index.closest(input)).toBe(closestMatch(input, names));
    }
    expect(index.didYouMean('stroe')).toBe('; did you mean "store"?');
  });

  test('its comparisons have a budget; past it, only names that differ in case are found', () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `step-${i}`);
    const index = new SpellingIndex(names);
    // Each search compares the ~100,000 names of a near length: the budget allows a few.
    const searches = Array.from({ length: Math.ceil(SPELLING_COMPARISON_BUDGET / 50_000) }, () => index.closest('step-50000x'));
    expect(searches[0]).toBe('step-50000');
    expect(searches.at(-1)).toBeUndefined();
    expect(index.closest('STEP-99999')).toBe('step-99999');
  });
});
