import type { LaidOutEdge, LaidOutNode, PageLayout } from '../wire.ts';

/**
 * What the page draws a graph from: boxes and edge polylines in one coordinate space (y grows
 * downward), whatever computed them. The run DAG's layout comes from src/graph/layout.ts
 * (Graphviz, cached per manifest) when it is there — see run-graph.ts — and from `layeredLayout`
 * otherwise; the task machine's statechart is small and always laid out here.
 */

const NODE_W = 160;
const NODE_H = 36;
const GAP_X = 40;
const GAP_Y = 60;
const MARGIN = 20;

/**
 * A plain layered layout: each node one layer below the deepest node that points at it (edges
 * that close a cycle are ignored for layering), nodes of a layer side by side in the order
 * given, edges straight from the bottom of one box to the top of the other. Linear in nodes and
 * edges, so it serves any size while Graphviz's layout is not there.
 */
export function layeredLayout(ids: readonly string[], edges: readonly { from: string; to: string }[]): PageLayout {
  const index = new Map(ids.map((id, i) => [id, i]));
  const incoming = new Map<string, string[]>();
  for (const e of edges) {
    if (!index.has(e.from) || !index.has(e.to)) continue;
    const list = incoming.get(e.to) ?? [];
    list.push(e.from);
    incoming.set(e.to, list);
  }
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  // Iterative depth-first: a deep chain must not overflow the stack.
  for (const root of ids) {
    if (layer.has(root)) continue;
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    visiting.add(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const preds = incoming.get(top.id) ?? [];
      if (top.next < preds.length) {
        const p = preds[top.next++];
        if (!layer.has(p) && !visiting.has(p)) {
          visiting.add(p);
          stack.push({ id: p, next: 0 });
        }
        continue;
      }
      let depth = 0;
      for (const p of preds) if (layer.has(p)) depth = Math.max(depth, layer.get(p)! + 1);
      layer.set(top.id, depth);
      visiting.delete(top.id);
      stack.pop();
    }
  }
  const rows: string[][] = [];
  for (const id of ids) (rows[layer.get(id)!] ??= []).push(id);
  const widest = Math.max(1, ...rows.map((r) => r.length));
  const width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X;
  const boxes = new Map<string, LaidOutNode>();
  rows.forEach((row, depth) => {
    const rowWidth = row.length * NODE_W + (row.length - 1) * GAP_X;
    const left = (width - rowWidth) / 2;
    row.forEach((id, i) => boxes.set(id, { id, x: left + i * (NODE_W + GAP_X), y: MARGIN + depth * (NODE_H + GAP_Y), width: NODE_W, height: NODE_H }));
  });
  const laidEdges: LaidOutEdge[] = [];
  for (const e of edges) {
    const a = boxes.get(e.from);
    const b = boxes.get(e.to);
    if (!a || !b) continue;
    laidEdges.push({ from: e.from, to: e.to, points: [{ x: a.x + a.width / 2, y: a.y + a.height }, { x: b.x + b.width / 2, y: b.y }] });
  }
  return { width, height: MARGIN * 2 + rows.length * NODE_H + Math.max(0, rows.length - 1) * GAP_Y, nodes: [...boxes.values()], edges: laidEdges };
}
