import { useLayoutEffect } from 'preact/hooks';
import { html } from './html.ts';
import { setQuery } from './router.ts';

/** The cursor as the URL has it now: a key may come before the page has redrawn after a move. */
function cursorInUrl(): number | null {
  const text = new URLSearchParams(location.search).get('at');
  return text !== null && /^\d+$/.test(text) ? Number(text) : null;
}

/** Whether a key press belongs to a field being typed in rather than to the page. */
const typing = (e: KeyboardEvent) => e.target instanceof HTMLElement && /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName) && (e.target as HTMLInputElement).type !== 'range';

/**
 * The time cursor: a slider over the run's journal seqs. Moving it sets `?at=SEQ` (every view
 * re-reads as of that row, re-simulated by the server); "live" removes it. Keys anywhere on
 * the page: `[` one row back, `]` one row forward, `l` back to live.
 */
export function TimeSlider({ at, firstSeq, lastSeq }: { at: number | null; firstSeq: number | null; lastSeq: number | null }) {
  const empty = firstSeq === null || lastSeq === null;
  const value = at ?? lastSeq ?? 0;
  const go = (seq: number, cursor = at) => !empty && setQuery({ at: seq >= lastSeq && cursor === null ? null : Math.max(firstSeq, Math.min(lastSeq, seq)) });
  // A layout effect, as the task drawer's: the keys work from the moment the slider shows.
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const cursor = cursorInUrl();
      const current = cursor ?? lastSeq ?? 0;
      if (e.key === '[') go(current - 1, cursor);
      else if (e.key === ']') go(current + 1, cursor);
      else if (e.key === 'l' && cursor !== null) setQuery({ at: null });
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });
  if (empty) return html`<div class="slider">no journal rows yet</div>`;
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
    <span class="keys" aria-hidden="true">keys: [ ] step, l live</span>
  </div>`;
}
