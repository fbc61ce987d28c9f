import { afterEach, describe, expect, test } from 'bun:test';
import { removeTempDirs, sandbox, swarmJson, TIMEOUT } from './helpers.ts';

afterEach(removeTempDirs);

describe('replay --simulate --at', () => {
  test('a seq before the run began is a usage error naming the run\'s range, not an empty table', async () => {
    const { config, db } = sandbox();
    await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
    const second = await swarmJson(['run', 'examples/hello.yaml', '--db', db], config);
    const history = await swarmJson(['history', second.json.runId, '--db', db], config);
    const first = history.json.transitions[0].seq;
    const before = await swarmJson(['replay', second.json.runId, '--simulate', '--at', String(first - 1), '--db', db], config);
    expect(before.code).toBe(2);
    expect(before.json.error.message).toContain(`before run ${second.json.runId} began: its rows are seq ${first}..`);
    const at = await swarmJson(['replay', second.json.runId, '--simulate', '--at', String(first), '--db', db], config);
    expect(at.code).toBe(0);
  }, TIMEOUT);
});
