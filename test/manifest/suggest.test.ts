import { describe, expect, test } from 'bun:test';
import { closestMatch, editDistance } from '../../src/manifest/suggest.ts';

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
});
