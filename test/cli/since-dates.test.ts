import { afterEach, describe, expect, test } from 'bun:test';
import { parseSince } from '../../src/cli/duration.ts';
import { UsageError } from '../../src/errors.ts';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT } from './helpers.ts';

/**
 * `--since` (and the API's `since`) takes only dates that exist (found from outside: 2026-02-30
 * was taken as 2 March, as Date.parse rolls a day past the month's end over).
 */

afterEach(removeTempDirs);

function refusal(text: string): string {
  try {
    parseSince(text, '--since');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${text} was taken`);
}

describe('parseSince: dates', () => {
  test('a day past the end of its month, a month past 12, a time of day past 23:59:59: refused, naming what does not exist', () => {
    expect(refusal('2026-02-30')).toBe('--since: 2026-02-30 is not a date: February 2026 has 28 days; give a date that exists (2026-12-01, 2026-12-01T08:00).');
    expect(refusal('2026-04-31T08:00')).toContain('2026-04-31 is not a date: April 2026 has 30 days');
    expect(refusal('2026-02-30 08:00')).toContain('2026-02-30 is not a date');
    expect(refusal('2026-13-45')).toContain('2026-13-45 is not a date: there is no month 13');
    expect(refusal('2026-00-10')).toContain('there is no month 00');
    expect(refusal('2026-01-00')).toContain('2026-01-00 is not a date: days start at 01');
    expect(refusal('2026-01-01T24:00')).toContain('24:00 is not a time of day (hours 00-23, minutes and seconds 00-59)');
    expect(refusal('2026-01-01T12:60')).toContain('12:60 is not a time of day');
  });

  test('dates that exist are taken as before, leap days included', () => {
    expect(parseSince('2028-02-29', '--since')).toBe(new Date(2028, 1, 29).getTime());
    expect(parseSince('2026-12-31T23:59:59', '--since')).toBe(new Date(2026, 11, 31, 23, 59, 59).getTime());
    expect(parseSince('2026-02-28T10:00Z', '--since')).toBe(Date.UTC(2026, 1, 28, 10));
    expect(parseSince('2h', '--since', 10_000_000)).toBe(10_000_000 - 7_200_000);
    expect(refusal('2027-02-29')).toContain('February 2027 has 28 days');
  });
});

describe('swarm runs --since', () => {
  test('an impossible date is exit 2 naming it', async () => {
    const { config, db } = sandbox();
    expect((await swarm(['run', 'examples/hello.yaml', '--db', db], config)).code).toBe(0);
    const text = await swarm(['runs', '--db', db, '--since', '2026-02-30'], config);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('--since: 2026-02-30 is not a date: February 2026 has 28 days');
    const json = await swarmJson(['runs', '--db', db, '--since', '2026-02-30'], config);
    expect(json.json.error).toMatchObject({ name: 'UsageError', code: 'USAGE' });
  }, TIMEOUT);
});
