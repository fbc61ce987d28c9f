import { describe, expect, test } from 'bun:test';
import { reSimulate } from '../../actors/journal/simulation/re-simulate.ts';
import { parseKeys } from '../../src/cli/watch/watch-keys.ts';
import { watchView } from '../../src/cli/watch/watch-model.ts';
import { loadJournalFixtures } from '../journal/journal-fixtures.ts';

describe('watch view, from recorded journals', () => {
  test('at the end every task is as stored; at the first row every task is pending; a cut re-simulates', () => {
    for (const fixture of loadJournalFixtures()) {
      const run = { runId: fixture.runId, workflow: fixture.manifest.name, symbols: fixture.manifest.symbols.map((s) => s.name) };
      const end = watchView(run, fixture.transitions, null);
      expect(end.live).toBe(true);
      for (const stored of fixture.stored.tasks) {
        expect({ fixture: fixture.fixture, task: stored.name, state: end.tasks.find((t) => t.name === stored.name)!.state }).toEqual({
          fixture: fixture.fixture,
          task: stored.name,
          state: stored.status,
        });
      }
      const first = fixture.transitions[0].seq;
      expect(watchView(run, fixture.transitions, first).tasks.every((t) => t.state === 'pending')).toBe(true);
      const middle = fixture.transitions[Math.floor(fixture.transitions.length / 2)].seq;
      const { actors } = reSimulate({ runId: fixture.runId, manifest: fixture.manifest, transitions: fixture.transitions }, { at: middle });
      const cut = watchView(run, fixture.transitions, middle, actors);
      expect(cut.seq).toBe(middle);
      expect(cut.rows.at(-1)!.seq).toBe(middle);
      for (const actor of actors.filter((a) => a.kind === 'task')) {
        expect(cut.tasks.find((t) => `task:${t.name}` === actor.actorId)!.state).toBe(actor.state);
      }
    }
  });

  test('keys: arrows, page keys, Home/End in their terminal forms, vi letters, q and Ctrl-C', () => {
    expect(parseKeys('\x1b[D\x1b[C\x1b[5~\x1b[6~\x1b[H\x1b[F\x1b[1~\x1b[4~')).toEqual(['back', 'forward', 'back10', 'forward10', 'first', 'live', 'first', 'live']);
    expect(parseKeys('hljkgGq\x03x')).toEqual(['back', 'forward', 'down', 'up', 'first', 'live', 'quit', 'quit']);
  });
});
