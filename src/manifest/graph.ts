import { ManifestError } from '../errors.ts';
import { BinaryHeap } from '../scheduling/binary-heap.ts';
import type { Manifest } from './types.ts';
import { shownName } from './shown-name.ts';

/**
 * Dependency-graph algorithms over symbol names. Nodes are identified by their position in the
 * manifest so that every result is stable with respect to the order the author wrote.
 */

/** A graph of `count` nodes; `dependenciesOf(i)` are the nodes node i depends on. */
export interface DependencyGraph {
  count: number;
  dependenciesOf(node: number): ArrayLike<number> & Iterable<number>;
}

/**
 * Symbol names with every symbol after all of its dependencies; among symbols whose
 * dependencies are done, the one declared first comes first — or, `byPriority`, the highest
 * `priority` first (ties declared first), the order the scheduler runs them in one at a time
 * (RunFrontier with its priority queue on). Throws a ManifestError for an unknown dependency
 * or a cycle (a validated manifest has neither).
 */
export function topologicalOrder(manifest: Manifest, options: { byPriority?: boolean } = {}): string[] {
  const indexByName = new Map(manifest.symbols.map((symbol, index) => [symbol.name, index]));
  const dependencies = manifest.symbols.map((symbol) =>
    symbol.dependencies.map((dependency) => {
      const index = indexByName.get(dependency);
      if (index === undefined) {
        throw new ManifestError([
          { symbol: symbol.name, field: 'dependencies', message: `unknown dependency "${shownName(dependency)}"` },
        ]);
      }
      return index;
    }),
  );
  const graph: DependencyGraph = { count: manifest.symbols.length, dependenciesOf: (node) => dependencies[node] };
  const priorities = manifest.symbols.map((symbol) => symbol.priority);
  const byPriority = (a: number, b: number) => priorities[a] > priorities[b] || (priorities[a] === priorities[b] && a < b);
  const order = sortTopologically(graph, options.byPriority ? byPriority : undefined);
  if (order.length < graph.count) {
    const names = manifest.symbols.map((symbol) => symbol.name);
    throw new ManifestError(
      findCycles(graph).map((cycle) => ({
        symbol: names[cycle[0]],
        field: 'dependencies',
        message: `dependency cycle: ${formatCycle(cycle, names)}`,
      })),
    );
  }
  return order.map((index) => manifest.symbols[index].name);
}

/**
 * Kahn's algorithm; the result is shorter than `graph.count` when there is a cycle. Of the
 * nodes whose dependencies are taken, the one `before` the others comes next (default: the
 * lowest index).
 */
export function sortTopologically(graph: DependencyGraph, before: (a: number, b: number) => boolean = (a, b) => a < b): number[] {
  const waitingOn = new Array<number>(graph.count).fill(0);
  const dependents: number[][] = Array.from({ length: graph.count }, () => []);
  for (let node = 0; node < graph.count; node++) {
    for (const dependency of new Set(graph.dependenciesOf(node))) {
      waitingOn[node]++;
      dependents[dependency].push(node);
    }
  }
  const ready = new BinaryHeap<number>(before);
  waitingOn.forEach((count, node) => count === 0 && ready.push(node));
  const order: number[] = [];
  for (let node = ready.pop(); node !== undefined; node = ready.pop()) {
    order.push(node);
    for (const dependent of dependents[node]) if (--waitingOn[dependent] === 0) ready.push(dependent);
  }
  return order;
}

/**
 * One cycle per group of mutually dependent nodes (strongly connected component), each as a
 * path `[a, b, ..., a]` where every node depends on the next, starting at the group's first
 * node. Self-dependencies are left to the caller. Groups come in manifest order.
 */
export function findCycles(graph: DependencyGraph): number[][] {
  // Most graphs have none: found in typed arrays, without Tarjan's per-node bookkeeping.
  if (isAcyclic(graph)) return [];
  return stronglyConnectedComponents(graph)
    .filter((component) => component.length > 1)
    .map((component) => component.sort((a, b) => a - b))
    .sort((a, b) => a[0] - b[0])
    .map((component) => shortestCycleThrough(component[0], new Set(component), graph));
}

/** Kahn's algorithm without an order: whether every node can be taken (self-dependencies aside). */
function isAcyclic(graph: DependencyGraph): boolean {
  const { count } = graph;
  const waitingOn = new Int32Array(count);
  const dependentStart = new Int32Array(count + 1);
  // Indexed loops: an iterator per node is a million objects of garbage in a big manifest.
  for (let node = 0; node < count; node++) {
    const dependencies = graph.dependenciesOf(node);
    for (let d = 0; d < dependencies.length; d++) {
      const dependency = dependencies[d];
      if (dependency === node) continue;
      waitingOn[node]++;
      dependentStart[dependency + 1]++;
    }
  }
  for (let node = 0; node < count; node++) dependentStart[node + 1] += dependentStart[node];
  const dependents = new Int32Array(dependentStart[count]);
  const fill = dependentStart.slice(0, count);
  for (let node = 0; node < count; node++) {
    const dependencies = graph.dependenciesOf(node);
    for (let d = 0; d < dependencies.length; d++) if (dependencies[d] !== node) dependents[fill[dependencies[d]]++] = node;
  }
  const ready = new Int32Array(count);
  let tail = 0;
  for (let node = 0; node < count; node++) if (waitingOn[node] === 0) ready[tail++] = node;
  for (let head = 0; head < tail; head++) {
    const node = ready[head];
    for (let e = dependentStart[node]; e < dependentStart[node + 1]; e++) {
      if (--waitingOn[dependents[e]] === 0) ready[tail++] = dependents[e];
    }
  }
  return tail === count;
}

/** Names shown of a long cycle: its start and its end, so one message stays readable. */
const SHOWN_CYCLE = 24;

export function formatCycle(cycle: readonly number[], names: readonly string[]): string {
  if (cycle.length <= SHOWN_CYCLE) return cycle.map((node) => shownName(names[node])).join(' -> ');
  const half = SHOWN_CYCLE / 2;
  const hidden = cycle.length - SHOWN_CYCLE;
  const part = (nodes: readonly number[]) => nodes.map((node) => shownName(names[node])).join(' -> ');
  return `${part(cycle.slice(0, half))} -> … ${hidden} more … -> ${part(cycle.slice(-half))}`;
}

/** Breadth-first search from `start` back to itself, staying inside `members`. */
function shortestCycleThrough(start: number, members: Set<number>, graph: DependencyGraph): number[] {
  const cameFrom = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    for (const next of graph.dependenciesOf(node)) {
      if (!members.has(next) || next === node) continue;
      if (next === start) {
        const path = [start];
        for (let step: number | undefined = node; step !== start && step !== undefined; step = cameFrom.get(step)) {
          path.push(step);
        }
        return [start, ...path.slice(1).reverse(), start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start]; // unreachable for a real component of more than one node
}

/** Tarjan's algorithm, iterative so that long dependency chains cannot overflow the stack. */
function stronglyConnectedComponents(graph: DependencyGraph): number[][] {
  const indexOf = new Array<number>(graph.count).fill(-1);
  const lowLink = new Array<number>(graph.count).fill(0);
  const onStack = new Array<boolean>(graph.count).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let nextIndex = 0;
  for (let root = 0; root < graph.count; root++) {
    if (indexOf[root] !== -1) continue;
    const work: { node: number; edge: number }[] = [{ node: root, edge: 0 }];
    indexOf[root] = lowLink[root] = nextIndex++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = graph.dependenciesOf(frame.node);
      if (frame.edge < edges.length) {
        const next = edges[frame.edge++];
        if (indexOf[next] === -1) {
          indexOf[next] = lowLink[next] = nextIndex++;
          stack.push(next);
          onStack[next] = true;
          work.push({ node: next, edge: 0 });
        } else if (onStack[next]) {
          lowLink[frame.node] = Math.min(lowLink[frame.node], indexOf[next]);
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        lowLink[parent] = Math.min(lowLink[parent], lowLink[frame.node]);
      }
      if (lowLink[frame.node] === indexOf[frame.node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = false;
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
