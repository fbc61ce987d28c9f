import type { AnyStateMachine } from 'xstate';
import { coordinatorMachine } from '../../../machines/coordinator-machine.ts';
import { dispatcherMachine } from '../../../machines/dispatcher-machine.ts';
import { nodeMachine } from '../../../machines/node-machine.ts';
import { taskMachine } from '../../../machines/task-machine.ts';
import { statechartOf } from '../../graph/statechart.ts';
import type { PageLayout, Statechart } from '../wire.ts';
import { layeredLayout } from './dag-layout.ts';

/**
 * GET /api/machines/task: the task machine's statechart as `xstate/graph` reads it from the
 * machine itself (so the drawing cannot drift from the code), plus its eventless (`always`)
 * transitions, which `toDirectedGraph` leaves out, and a layout. Computed once: the machine is
 * fixed for the life of the process.
 */

/** The machines the dashboard draws, by the name in /api/machines/<name>. */
export const MACHINES: Record<string, AnyStateMachine> = {
  task: taskMachine,
  coordinator: coordinatorMachine,
  node: nodeMachine,
  dispatcher: dispatcherMachine,
};

function build(name: string): Statechart {
  const { machine, initial, states, final, edges } = statechartOf(name, MACHINES[name]);
  // Layers follow the distance from the initial state; edges back up (retrying → ready) and
  // self-loops do not shape them, so the chart reads top-down like the lifecycle.
  const depth = new Map<string, number>([[initial, 0]]);
  for (let frontier = [initial]; frontier.length > 0; ) {
    const next: string[] = [];
    for (const from of frontier) {
      for (const e of edges) if (e.from === from && !depth.has(e.to)) depth.set(e.to, depth.get(from)! + 1), next.push(e.to);
    }
    frontier = next;
  }
  const forward = edges.filter((e) => (depth.get(e.from) ?? 0) < (depth.get(e.to) ?? 0));
  const layout = layeredLayout(states, forward);
  // Every edge is drawn, back edges too: the layout's own polylines are for forward edges only.
  layout.edges = edges.filter((e) => e.from !== e.to).map((e) => edgeBetween(layout, e.from, e.to));
  return { machine, initial, states, final, edges, layout };
}

/** A straight edge between two boxes, from the side of one facing the other. */
function edgeBetween(layout: PageLayout, from: string, to: string) {
  const a = layout.nodes.find((n) => n.id === from)!;
  const b = layout.nodes.find((n) => n.id === to)!;
  const down = b.y > a.y;
  const up = b.y < a.y;
  return {
    from,
    to,
    points: [
      { x: a.x + a.width / 2, y: down ? a.y + a.height : up ? a.y : a.y + a.height / 2 },
      { x: b.x + b.width / 2, y: down ? b.y : up ? b.y + b.height : b.y + b.height / 2 },
    ],
  };
}

const cached = new Map<string, Statechart>();

/** A machine's chart, or undefined for a name that is not one. Computed once per machine. */
export function machineStatechart(name: string): Statechart | undefined {
  if (!Object.hasOwn(MACHINES, name)) return undefined;
  let chart = cached.get(name);
  if (!chart) cached.set(name, (chart = build(name)));
  return chart;
}

export function taskStatechart(): Statechart {
  return machineStatechart('task')!;
}
