import { html } from './html.ts';
import { setQuery } from './router.ts';

/**
 * The time cursor: a slider over the run's journal seqs. Moving it sets `?at=SEQ` (every view
 * re-reads as of that row, re-simulated by the server); "live" removes it.
 */
export function TimeSlider({ at, firstSeq, lastSeq }: { at: number | null; firstSeq: number | null; lastSeq: number | null }) {
  if (firstSeq === null || lastSeq === null) return html`<div class="slider">no journal rows yet</div>`;
  const value = at ?? lastSeq;
  const go = (seq: number) => setQuery({ at: seq >= lastSeq && at === null ? null : Math.max(firstSeq, Math.min(lastSeq, seq)) });
  return html`<div class="slider" data-testid="time-slider">
    <button type="button" onClick=${() => go(firstSeq)} title="first row">|◀</button>
    <button type="button" onClick=${() => go(value - 1)} title="one row back" data-testid="step-back">◀</button>
    <input type="range" min=${firstSeq} max=${lastSeq} value=${value} aria-label="journal seq"
      onChange=${(e: Event) => go(Number((e.target as HTMLInputElement).value))} />
    <button type="button" onClick=${() => go(value + 1)} title="one row forward">▶</button>
    <span class="seq">seq <output data-testid="cursor-seq">${value}</output> of ${firstSeq}..${lastSeq}</span>
    ${at === null
      ? html`<span class="live-badge" data-testid="live">● live</span>`
      : html`<button type="button" class="to-live" onClick=${() => setQuery({ at: null })} data-testid="go-live">back to live</button>`}
  </div>`;
}
