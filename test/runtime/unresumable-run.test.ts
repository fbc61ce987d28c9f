import { afterEach, describe, expect, test } from 'bun:test';
import { Logger } from '../../src/logger.ts';
import { newRun, newTask } from '../store-conformance.ts';
import { DEAD_OWNER } from '../support/dead-owner.ts';
import { captureLogLines, makeHarness, stopHarnesses } from './helpers.ts';

afterEach(stopHarnesses);

const lines = captureLogLines();

/**
 * An orphaned run a dispatcher cannot take up (here: its stored manifest unreadable) is logged
 * once, with the command that takes it up by hand as this dispatcher's hints write it (its config
 * and database): the log said "swarm run --resume" with neither the run nor the config.
 */
describe('an orphaned run that cannot be resumed', () => {
  test('is logged once, naming the command with the dispatcher\'s config and database', () => {
    const h = makeHarness({ logger: Logger.get('dispatcher'), commandLine: (words) => `swarm ${words.join(' ')} disp.toml --db state.db` });
    h.store.createRun(newRun('broken', { manifest: null, totalTasks: 1 }), [newTask('broken', 'a')], { owner: DEAD_OWNER, leaseMs: 60_000 });
    expect(h.dispatcher.resumeOrphanedRuns()).toEqual([]);
    expect(h.dispatcher.resumeOrphanedRuns()).toEqual([]);
    const logged = lines.filter((l) => l.runId === 'broken');
    expect(logged).toHaveLength(1);
    expect(logged[0].msg).toBe('an unfinished run could not be resumed; resume it by hand with `swarm run --resume broken disp.toml --db state.db`');
  });
});
