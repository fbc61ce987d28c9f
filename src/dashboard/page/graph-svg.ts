import { useRef, useState } from 'preact/hooks';
import { html } from './html.ts';
import { iconOf, stateClass } from './states.ts';
import type { Layout } from './types.ts';

/**
 * A laid-out graph as SVG, with pan (drag) and zoom (wheel, buttons). Used for the run's DAG
 * and the task machine's statechart. Boxes are coloured by state through a class and always
 * carry the icon and the state's word, so colour is never the only cue. Boxes take the focus
 * (Tab) and open with Enter or Space.
 */

export interface GraphSvgProps {
  layout: Layout;
  /** Box id → state shown in it (null: no state line). */
  stateOf: (id: string) => string | null;
  /** Box id → an extra class (e.g. a statechart's visited states). */
  classOf?: (id: string) => string;
  selected?: string | null;
  onSelect?: (id: string) => void;
  /** Box id → the text of its state line, when it is not the state itself (a group's counts). */
  textOf?: (id: string) => string;
  /** Highlighted edges, as "from→to". */
  highlight?: ReadonlySet<string>;
  label?: string;
  testId: string;
}

export function GraphSvg({ layout, stateOf, classOf, textOf, selected, onSelect, highlight, label, testId }: GraphSvgProps) {
  const [view, setView] = useState({ x: 0, y: 0, k: 1 });
  const drag = useRef<{ x: number; y: number; vx: number; vy: number } | null>(null);
  const zoom = (factor: number) => setView((v) => ({ ...v, k: Math.min(8, Math.max(0.1, v.k * factor)) }));
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15);
  };
  const onDown = (e: PointerEvent) => {
    drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
  };
  const onMove = (e: PointerEvent) => {
    const d = drag.current;
    if (d && e.buttons === 1) setView((v) => ({ ...v, x: d.vx + (e.clientX - d.x), y: d.vy + (e.clientY - d.y) }));
  };
  const onUp = () => void (drag.current = null);
  const width = Math.max(layout.width, 200);
  const height = Math.max(layout.height, 100);
  return html`<div class="graph" data-testid=${testId}>
    <div class="graph-tools">
      <button type="button" onClick=${() => zoom(1.25)} title="zoom in">+</button>
      <button type="button" onClick=${() => zoom(0.8)} title="zoom out">−</button>
      <button type="button" onClick=${() => setView({ x: 0, y: 0, k: 1 })}>fit</button>
    </div>
    <svg viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${label ?? 'graph'}
      onWheel=${onWheel} onPointerDown=${onDown} onPointerMove=${onMove} onPointerUp=${onUp} onPointerLeave=${onUp}>
      <defs><marker id=${`arrow-${testId}`} viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="arrow" /></marker></defs>
      <g transform=${`translate(${view.x} ${view.y}) scale(${view.k})`}>
        ${layout.edges.map(
          (e) => html`<polyline key=${`${e.from}→${e.to}`} class=${highlight?.has(`${e.from}→${e.to}`) ? 'edge edge-on' : 'edge'}
            points=${e.points.map((p) => `${p.x},${p.y}`).join(' ')} marker-end=${`url(#arrow-${testId})`} />`,
        )}
        ${layout.nodes.map((n) => {
          const state = stateOf(n.id);
          const cls = `box ${state ? stateClass(state) : ''} ${classOf?.(n.id) ?? ''} ${selected === n.id ? 'selected' : ''}`;
          // Focusable and opened with Enter or Space, so the graph works from the keyboard.
          return html`<g key=${n.id} class=${cls} data-node=${n.id} data-state=${state ?? ''} onClick=${() => onSelect?.(n.id)}
            tabindex=${onSelect ? 0 : undefined} role=${onSelect ? 'button' : undefined} aria-label=${`${n.id}${state ? `: ${textOf ? textOf(n.id) : state}` : ''}`}
            onKeyDown=${(e: KeyboardEvent) => onSelect && (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), onSelect(n.id))}>
            <rect x=${n.x} y=${n.y} width=${n.width} height=${n.height} rx="6" />
            <text x=${n.x + n.width / 2} y=${n.y + (state ? n.height / 2 - 3 : n.height / 2 + 4)} text-anchor="middle" class="name">${n.id}</text>
            ${state && html`<text x=${n.x + n.width / 2} y=${n.y + n.height / 2 + 11} text-anchor="middle" class="state">${textOf ? textOf(n.id) : `${iconOf(state)} ${state}`}</text>`}
          </g>`;
        })}
      </g>
    </svg>
  </div>`;
}
