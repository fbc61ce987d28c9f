import { useEffect, useState } from 'preact/hooks';
import { getJson, postJson, runPath } from './api.ts';
import { html } from './html.ts';
import { navigate } from './router.ts';
import { runHref } from './link.ts';

/**
 * The run's controls, where the server offers them (a dispatcher, not `swarm dashboard` over a
 * database): cancel, pause, resume, replay (all, or from the selected task) and rollback. Each
 * asks for confirmation first; the server decides whether the run is in a state for it, and its
 * refusal is shown as text. An interrupted run (its process gone) is not offered a rollback,
 * which the server refuses until the run is taken up and has ended.
 */

const ACTIVE = new Set(['idle', 'running', 'paused', 'cancelling', 'compensating']);

let offered: Promise<boolean> | undefined;
const controlsOffered = () => (offered ??= getJson<{ controls: boolean }>('/api/dashboard').then((d) => d.controls, () => false));

export function RunControls({ runId, runState, selected }: { runId: string; runState: string; selected: string | null }) {
  const [available, setAvailable] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => void controlsOffered().then(setAvailable), []);
  if (!available) return null;

  const act = async (what: string, path: string, body: unknown, then?: (answer: { runId?: string }) => void) => {
    if (!window.confirm(`${what} run ${runId}?`)) return;
    setBusy(true);
    setMessage(null);
    try {
      const answer = await postJson<{ runId?: string }>(`${runPath(runId)}/${path}`, body);
      setMessage(`${what}: accepted.`);
      then?.(answer);
    } catch (e) {
      setMessage(`${what}: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  const toNewRun = (answer: { runId?: string }) => answer.runId && answer.runId !== runId && navigate(runHref(answer.runId));
  const active = ACTIVE.has(runState);
  return html`<div class="controls" data-testid="controls">
    ${active && html`<button disabled=${busy} onClick=${() => act('Cancel', 'cancel', {})}>cancel</button>`}
    ${runState === 'running' && html`<button disabled=${busy} onClick=${() => act('Pause', 'pause', {})}>pause</button>`}
    ${runState === 'paused' && html`<button disabled=${busy} onClick=${() => act('Resume', 'resume', {})}>resume</button>`}
    ${!active && html`<button disabled=${busy} onClick=${() => act('Replay', 'replay', {}, toNewRun)}>replay</button>`}
    ${!active && selected && html`<button disabled=${busy} onClick=${() => act(`Replay from ${selected} of`, 'replay', { from: selected }, toNewRun)}>replay from ${selected}</button>`}
    ${!active && runState !== 'interrupted' && html`<button disabled=${busy} onClick=${() => act('Roll back', 'rollback', {})}>rollback</button>`}
    ${message && html`<span class="control-message" role="status">${message}</span>`}
  </div>`;
}
