import { createHash } from 'node:crypto';
import type { DagEdge } from './dag.ts';
import { GRAPHVIZ_DEADLINE_MS, renderGraphviz } from './graphviz.ts';
import { MAX_LAYOUT_COST, layoutCost } from './layout-cost.ts';

/**
 * A DAG's layout from Graphviz (`dot`, compiled to WebAssembly by @viz-js/viz): boxes and edge
 * polylines in one coordinate space, y growing downward as on a page. The layout depends on
 * the manifest only (states just colour it), so it is computed once per graph and cached.
 * Graphviz's time grows fast with size (~1.5 s for 500 nodes here, ~8 s for a chain of 100 whose
 * steps all also depend on the first), so a graph over MAX_GRAPHVIZ_NODES or MAX_LAYOUT_COST,
 * or whose layout misses its deadline (it runs on a thread, graphviz.ts), gets null, and the
 * caller lays it out some cheaper way.
 */

export interface DagLayout {
  width: number;
  height: number;
  nodes: { id: string; x: number; y: number; width: number; height: number }[];
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
}

export const MAX_GRAPHVIZ_NODES = 400;

/** Box size in points (Graphviz's unit; 72 to the inch), the same for every node. */
const NODE_WIDTH = 160;
const NODE_HEIGHT = 40;
/** Room around the drawing, so boxes do not touch the frame. */
const MARGIN = 16;
const CACHED = 32;
const cache = new Map<string, DagLayout>();

interface Json0 {
  bb: string;
  objects?: { name: string; pos?: string }[];
  edges?: { tail: number; head: number; pos?: string }[];
}

export async function layoutDag(
  dag: { nodes: readonly { id: string }[]; edges: readonly DagEdge[] },
  deadlineMs: number = GRAPHVIZ_DEADLINE_MS,
): Promise<DagLayout | null> {
  if (dag.nodes.length > MAX_GRAPHVIZ_NODES || layoutCost(dag) > MAX_LAYOUT_COST) return null;
  const key = createHash('sha256').update(JSON.stringify([dag.nodes.map((n) => n.id), dag.edges])).digest('hex');
  const hit = cache.get(key);
  if (hit) return hit;
  const index = new Map(dag.nodes.map((n, i) => [n.id, i]));
  const dot = [
    'digraph {',
    `  node [shape=box, fixedsize=true, width=${NODE_WIDTH / 72}, height=${NODE_HEIGHT / 72}, label=""];`,
    ...dag.nodes.map((_, i) => `  n${i};`),
    ...dag.edges.filter((e) => index.has(e.from) && index.has(e.to)).map((e) => `  n${index.get(e.from)} -> n${index.get(e.to)};`),
    '}',
  ].join('\n');
  const rendered = await renderGraphviz(dot, 'json0', deadlineMs);
  if (!rendered.ok) return null;
  const json = JSON.parse(rendered.text) as Json0;
  const [, , width, height] = json.bb.split(',').map(Number);
  // Graphviz's y grows upward from the bottom: flip it.
  const point = (text: string) => {
    const [x, y] = text.split(',').map(Number);
    return { x: x + MARGIN, y: height - y + MARGIN };
  };
  const layout: DagLayout = {
    width: width + 2 * MARGIN,
    height: height + 2 * MARGIN,
    nodes: (json.objects ?? []).map((o) => {
      const center = point(o.pos ?? '0,0');
      return { id: dag.nodes[Number(o.name.slice(1))].id, x: center.x - NODE_WIDTH / 2, y: center.y - NODE_HEIGHT / 2, width: NODE_WIDTH, height: NODE_HEIGHT };
    }),
    edges: (json.edges ?? []).map((e) => ({
      from: dag.nodes[e.tail].id,
      to: dag.nodes[e.head].id,
      points: splinePoints(e.pos ?? '', point),
    })),
  };
  if (cache.size >= CACHED) cache.delete(cache.keys().next().value!);
  cache.set(key, layout);
  return layout;
}

/** An edge's `pos`: "e,x,y p1 p2 …" (the arrow's end first, prefixed), as points in drawing order. */
function splinePoints(pos: string, point: (text: string) => { x: number; y: number }): { x: number; y: number }[] {
  const parts = pos.split(' ').filter(Boolean);
  let end: { x: number; y: number } | null = null;
  const points: { x: number; y: number }[] = [];
  for (const part of parts) {
    if (part.startsWith('e,')) end = point(part.slice(2));
    else if (!part.startsWith('s,')) points.push(point(part));
  }
  if (end) points.push(end);
  return points;
}
