import { describe, expect, test } from 'bun:test';
import { checkedOutcome, OUTPUT_NOT_JSON } from '../src/task-output.ts';

describe('checkedOutcome', () => {
  test('an output that reads well when checked but throws when written (a getter that throws on a later read) is OUTPUT_NOT_JSON, not retried; never a throw', () => {
    let reads = 0;
    const output = {
      get x() {
        if (++reads > 2) throw new Error('changed its mind');
        return 1;
      },
    };
    const outcome = checkedOutcome({ ok: true, output }, 'Symbol "s"', true);
    expect(outcome).toMatchObject({ ok: false, retryable: false, error: { name: 'OutputError', code: OUTPUT_NOT_JSON } });
    expect(!outcome.ok && outcome.error.message).toContain('could not be read (reading it threw: changed its mind)');
  });
});
