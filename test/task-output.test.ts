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

  test('an output with a lone UTF-16 surrogate (a string, or inside) is OUTPUT_NOT_JSON with its place, not retried', () => {
    for (const [output, where] of [['\ud800', '$'], [{ list: ['a', 'b\udfff'] }, '$.list[1]']] as const) {
      const outcome = checkedOutcome({ ok: true, output }, 'Symbol "s"', true);
      expect(outcome).toMatchObject({ ok: false, retryable: false, error: { code: OUTPUT_NOT_JSON } });
      expect(!outcome.ok && outcome.error.message).toContain(`a lone UTF-16 surrogate at ${where}`);
    }
    expect(checkedOutcome({ ok: true, output: 'smile \ud83d\ude00' }, 'Symbol "s"')).toEqual({ ok: true, output: 'smile \ud83d\ude00' });
  });

  test("a failure's error text with a lone surrogate keeps the failure, the half character shown as U+FFFD", () => {
    const outcome = checkedOutcome({ ok: false, error: { name: 'E\ud800', message: 'bad \ud83d here', code: 'X\udc00', stack: 's\ud800' }, retryable: true }, 'Symbol "s"');
    expect(outcome).toEqual({ ok: false, error: { name: 'E\ufffd', message: 'bad \ufffd here', code: 'X\ufffd', stack: 's\ufffd' }, retryable: true });
  });
});
