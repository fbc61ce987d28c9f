import { paintStatus } from '../colour.ts';
import { formatClock } from '../output.ts';
import { STATE_ICONS } from '../../state-icons.ts';
import { countByState, type WatchView } from './watch-model.ts';

/**
 * Draws a WatchView as the lines of one screen: a header with the cursor, the tasks with an
 * icon and the word for their state (readable without colour), what runs on which node, and
 * the journal's tail up to the cursor. Pure: a view and a size in, lines out.
 */

export const KEYS_HELP = '←/→ step · PgUp/PgDn 10 · Home first · End live · ↑/↓ scroll · q quit';

export interface ScreenSize {
  columns: number;
  rows: number;
}

/**
 * `interrupted`: while live, that nothing moves the run any more and how to take it up
 * (run-liveness resumeHint): the header says so instead of [LIVE].
 */
export function drawWatch(view: WatchView, size: ScreenSize, scroll: number, colour: boolean, interrupted: string | null = null): string[] {
  const width = Math.max(40, size.columns);
  // A line too long loses its colour with its tail: cutting through an escape code would garble it.
  const cut = (text: string) => (visibleLength(text) <= width ? text : plain(text).slice(0, width - 1) + '…');
  const where =
    view.seq === null
      ? 'no journal rows yet'
      : `seq ${view.seq} of ${view.firstSeq}..${view.lastSeq} ${view.live ? (interrupted ? '[interrupted]' : '[LIVE]') : '[at this seq; End: live]'}`;
  const lines: string[] = [
    cut(`swarm watch: run ${view.runId} (${view.workflow}) ${paintStatus(view.runState, view.runState, colour)} · ${where}`),
    ...(interrupted && view.live ? [cut(paintStatus('failed', `interrupted: ${interrupted}`, colour))] : []),
    cut(KEYS_HELP),
    cut(`tasks: ${countByState(view.tasks).map(([state, n]) => paintStatus(state, `${n} ${state}`, colour)).join(', ')}`),
  ];
  const nodes = [...view.byNode].map(([node, names]) => `${node}: ${names.slice(0, 4).join(', ')}${names.length > 4 ? ` +${names.length - 4}` : ''}`);
  lines.push(cut(`on nodes: ${nodes.length ? nodes.join(' · ') : 'nothing'}`), '');

  const journalRows = Math.min(8, Math.max(3, Math.floor(size.rows / 4)));
  const taskRows = Math.max(3, size.rows - lines.length - journalRows - 3);
  const first = Math.max(0, Math.min(scroll, Math.max(0, view.tasks.length - taskRows)));
  const nameWidth = Math.min(32, Math.max(8, ...view.tasks.map((t) => t.name.length)));
  for (const task of view.tasks.slice(first, first + taskRows)) {
    const icon = STATE_ICONS[task.state] ?? '?';
    const state = paintStatus(task.state, `${icon} ${task.state.padEnd(15)}`, colour);
    const name = task.name.length > nameWidth ? task.name.slice(0, nameWidth - 1) + '…' : task.name.padEnd(nameWidth);
    const attempt = task.attempts > 0 ? `attempt ${task.attempts}` : '';
    lines.push(cut(`  ${state} ${name}  ${(task.node ?? '').padEnd(14)} ${attempt}`));
  }
  const below = view.tasks.length - first - taskRows;
  lines.push(below > 0 || first > 0 ? `  (${first > 0 ? `${first} above` : ''}${first > 0 && below > 0 ? ', ' : ''}${below > 0 ? `${below} below` : ''}; ↑/↓ to scroll)` : '');

  lines.push(`journal (up to seq ${view.seq ?? '-'}):`);
  for (const row of view.rows.slice(-journalRows)) {
    lines.push(cut(`  ${String(row.seq).padStart(6)} ${formatClock(row.at)} ${row.actorId.padEnd(Math.min(28, row.actorId.length))} ${row.from ?? '∅'} → ${row.to}  ${row.event}`));
  }
  return lines.slice(0, size.rows);
}

function plain(text: string): string {
  return text.replace(/\x1b\[\d+m/g, '');
}

function visibleLength(text: string): number {
  return plain(text).length;
}
