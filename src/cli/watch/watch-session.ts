import { reSimulate, type SimulatedActor } from '../../../actors/journal/simulation/re-simulate.ts';
import type { Manifest } from '../../manifest/types.ts';
import type { RunRecord, SwarmStore, TransitionRecord } from '../../store/types.ts';
import { colourOn } from '../colour.ts';
import { parseKeys, type WatchKey } from './watch-keys.ts';
import { watchView } from './watch-model.ts';
import { drawWatch } from './watch-screen.ts';
import { terminalText } from '../../terminal-text.ts';
import { interruption, resumeHint } from '../../run-liveness.ts';

/** How often the journal is read for new rows while live. */
const POLL_MS = 200;
/** How often it looks whether a process still moves the run (its lease), in polls. */
const LIVENESS_EVERY = 5;

export interface WatchTerminal {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
}

/**
 * One `swarm watch` on a terminal: reads the run's journal as it grows (a plain read of the
 * database, so it works beside a running `swarm run` or dispatcher), draws the view on the
 * alternate screen, and moves a seq cursor with the keys. A cursor off the end is re-simulated
 * with the real machines (as `replay --simulate --at`). Resolves when the user quits. An
 * unfinished run that nothing moves any more (its process killed, its lease run out) is shown
 * interrupted, with `resume` (the command that takes it up), until something takes it up.
 */
export function watchRun(
  store: SwarmStore,
  run: RunRecord,
  term: WatchTerminal,
  backoff: { base: number; max: number },
  resume = `swarm run --resume ${run.id}`,
): Promise<void> {
  const manifest = run.manifest as Manifest;
  const identity = { runId: run.id, workflow: run.name, symbols: manifest.symbols.map((s) => s.name) };
  const journal: TransitionRecord[] = store.getTransitions(run.id);
  /** Index into `journal` of the cursor's row; null while live (the last row, following new ones). */
  let cursor: number | null = null;
  let scroll = 0;
  const simulations = new Map<number, { actors: SimulatedActor[]; diverged: string | null }>();
  const colour = colourOn(process.env, term.output);
  /** Why nothing moves the run, as run-liveness says it (null: something does, or it is finished). */
  let interrupted: string | null = null;
  const lookAtLiveness = (): boolean => {
    let why;
    try {
      const listing = store.getRunListing(run.id);
      why = listing ? interruption(store, listing) : null;
    } catch {
      return false; // the database is away: the journal's poll says so
    }
    const now = why && resumeHint(run.id, why, resume);
    if (now === interrupted) return false;
    interrupted = now;
    return true;
  };

  const simulatedAt = (seq: number) => {
    let hit = simulations.get(seq);
    if (!hit) {
      const report = reSimulate({ runId: run.id, manifest, transitions: journal }, { at: seq, backoff });
      hit = { actors: report.actors, diverged: report.divergence?.message ?? null };
      simulations.clear(); // one cached cut: stepping moves it, memory stays flat
      simulations.set(seq, hit);
    }
    return hit;
  };

  const draw = () => {
    const seq = cursor === null ? null : journal[cursor].seq;
    const simulated = seq === null ? undefined : simulatedAt(seq);
    const view = watchView(identity, journal, seq, simulated?.actors);
    // A terminal that says 0×0 (a pty nobody sized) is drawn as the usual size, not as nothing.
    const size = { columns: term.output.columns || 100, rows: term.output.rows || 30 };
    const lines = drawWatch(view, size, scroll, colour, interrupted);
    if (simulated?.diverged) lines.splice(lines.length - 1, 1, `re-simulation diverged: ${simulated.diverged}`.slice(0, size.columns));
    term.output.write(`\x1b[H${lines.map((line) => terminalText(line)).join('\x1b[K\n')}\x1b[K\x1b[J`);
  };

  const move = (key: WatchKey): boolean => {
    const last = journal.length - 1;
    if (last < 0) return key === 'quit';
    const at = cursor ?? last;
    const to = (i: number) => {
      const clamped = Math.max(0, Math.min(last, i));
      cursor = clamped === last && key !== 'back' && key !== 'back10' && key !== 'first' ? null : clamped;
    };
    switch (key) {
      case 'back':
        to(at - 1);
        break;
      case 'forward':
        to(at + 1);
        break;
      case 'back10':
        to(at - 10);
        break;
      case 'forward10':
        to(at + 10);
        break;
      case 'first':
        to(0);
        break;
      case 'live':
        cursor = null;
        break;
      case 'up':
        scroll = Math.max(0, scroll - 1);
        break;
      case 'down':
        scroll += 1;
        break;
      case 'quit':
        return true;
    }
    return false;
  };

  return new Promise((resolve) => {
    let unavailable: string | null = null;
    let polls = 0;
    const poll = setInterval(() => {
      const after = journal.length ? journal[journal.length - 1].seq : 0;
      let fresh: TransitionRecord[];
      try {
        fresh = store.getTransitions(run.id, { afterSeq: after });
      } catch (error) {
        // The database is away (a PostgreSQL outage): say so once, keep what is shown, go on polling.
        // What to know first: the line is cut to the terminal's width.
        const why = `the state database did not answer; still trying… (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
        if (why !== unavailable) term.output.write(`\x1b[H\x1b[K${terminalText(why).slice(0, term.output.columns || 100)}`);
        unavailable = why;
        return;
      }
      if (unavailable !== null) {
        unavailable = null;
        draw();
      }
      // New rows, or now and then: is a process still moving it (or moving it again)?
      const changed = (fresh.length > 0 || ++polls % LIVENESS_EVERY === 0) && lookAtLiveness();
      if (changed && fresh.length === 0 && cursor === null) draw();
      if (fresh.length === 0) return;
      for (const row of fresh) journal.push(row); // a spread of a big page would overflow the stack
      if (cursor === null) draw();
    }, POLL_MS);
    const onData = (chunk: Buffer | string) => {
      for (const key of parseKeys(chunk.toString())) {
        if (move(key)) return finish();
      }
      draw();
    };
    const onResize = () => draw();
    const finish = () => {
      clearInterval(poll);
      term.input.off('data', onData);
      term.output.off('resize', onResize);
      term.input.setRawMode?.(false);
      term.input.pause();
      term.output.write('\x1b[?25h\x1b[?1049l');
      resolve();
    };
    term.output.write('\x1b[?1049h\x1b[?25l');
    term.input.setRawMode?.(true);
    term.input.resume();
    term.input.on('data', onData);
    term.output.on('resize', onResize);
    lookAtLiveness();
    draw();
  });
}
