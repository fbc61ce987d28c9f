import type { Dag } from './dag.ts';
import type { Statechart } from './statechart.ts';

/**
 * Text forms of a workflow's DAG and of a machine's statechart: Mermaid and Graphviz DOT. Node
 * ids are generated (n0, n1…), never a symbol's name, and every label is escaped for its
 * format, so no name or state can break out of the syntax. States are written as words in
 * the labels (readable without colour); colour is a hint on top.
 */

const STATE_FILL: Record<string, string> = {
  succeeded: '#d1f0d8',
  failed: '#f8d0d0',
  rollback_failed: '#f0c8f0',
  rolled_back: '#fbeac0',
  retrying: '#fbeac0',
  rolling_back: '#fbeac0',
  running: '#cfe3fa',
  assigned: '#cfe3fa',
  skipped: '#e6e6e6',
  cancelled: '#e6e6e6',
};

/** Text inside a Mermaid "…" label: quotes and markup as entity codes, no line breaks. */
function mermaidText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[#"<>&;]/g, (c) => `#${c.charCodeAt(0)};`);
}

/** A DOT double-quoted string. */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function nodeLabel(node: Dag['nodes'][number]): string {
  const parts = [node.id, `${node.type} · ${node.dispatch}`];
  if (node.rollback) parts.push(`rollback: ${node.rollback}`);
  if (node.state) parts.push(`[${node.state}]`);
  return parts.join('\n');
}

export function dagToMermaid(dag: Dag): string {
  const ids = new Map(dag.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['flowchart TD'];
  for (const node of dag.nodes) lines.push(`  ${ids.get(node.id)}["${mermaidText(nodeLabel(node)).replace(/ · /g, ' - ')}"]`);
  for (const edge of dag.edges) lines.push(`  ${ids.get(edge.from)} --> ${ids.get(edge.to)}`);
  for (const node of dag.nodes) {
    const fill = node.state && STATE_FILL[node.state];
    if (fill) lines.push(`  style ${ids.get(node.id)} fill:${fill}`);
  }
  return lines.join('\n') + '\n';
}

export function dagToDot(dag: Dag): string {
  const ids = new Map(dag.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = [`digraph ${dotString(dag.name)} {`, '  rankdir=TB;', '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="sans-serif"];'];
  for (const node of dag.nodes) {
    const fill = (node.state && STATE_FILL[node.state]) ?? '#ffffff';
    lines.push(`  ${ids.get(node.id)} [label=${dotString(nodeLabel(node))}, fillcolor=${dotString(fill)}];`);
  }
  for (const edge of dag.edges) lines.push(`  ${ids.get(edge.from)} -> ${ids.get(edge.to)};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Mermaid's stateDiagram-v2: its state ids must be plain words, which the machines' states are. */
export function statechartToMermaid(chart: Statechart): string {
  const lines = ['stateDiagram-v2', `  %% ${chart.machine} machine`, `  [*] --> ${chart.initial}`];
  for (const e of chart.edges) lines.push(`  ${e.from} --> ${e.to}: ${mermaidText(e.event)}`);
  for (const f of chart.final) lines.push(`  ${f} --> [*]`);
  return lines.join('\n') + '\n';
}

export function statechartToDot(chart: Statechart): string {
  const lines = [`digraph ${dotString(chart.machine)} {`, '  node [shape=box, style=rounded, fontname="sans-serif"];', '  __start [shape=point];'];
  for (const s of chart.states) lines.push(`  ${dotString(s)}${chart.final.includes(s) ? ' [peripheries=2]' : ''};`);
  lines.push(`  __start -> ${dotString(chart.initial)};`);
  for (const e of chart.edges) lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [label=${dotString(e.event)}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
