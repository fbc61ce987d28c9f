import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, runPath } from './api.ts';
import { GraphSvg } from './graph-svg.ts';
import { groupCounts, GroupMembers, groupState } from './group-view.ts';
import { html } from './html.ts';
import { JournalTable } from './journal-table.ts';
import { RunControls } from './run-controls.ts';
import { Link, runHref, StateBadge } from './link.ts';
import { interruptionSentence } from './interruption.ts';
import { liveSocket } from './live.ts';
import { setQuery, type Place } from './router.ts';
import { applyEveryMs, applySummaries, countByState, taskIndex } from './run-live.ts';
import { TaskDrawer } from './task-drawer.ts';
import { TimeSlider } from './time-slider.ts';
import { TimelineView } from './timeline.ts';
import type { RowsSummary } from '../../journal-view.ts';
import type { RunGraph, RunState, RunSummary } from './types.ts';

/**
 * `/runs/<id>[?task=NAME][&at=SEQ]`: the run's DAG coloured by task state, counts by state, the
 * time cursor, the selected task's drawer and the journal. Live (no `at`): the state is read
 * once, then moved by the summaries of new rows the socket pushes after its seq. At a seq: the
 * server re-simulates the journal up to it; pushes only move the slider's end. The drawer reads
 * its task again only when a push names that task.
 */

export function RunPage({ runId, place }: { runId: string; place: Place }) {
  const atText = place.query.get('at');
  const at = atText !== null && /^\d+$/.test(atText) ? Number(atText) : null;
  const selected = place.query.get('task');
  const [summary, setSummary] = useState<RunSummary | null>(null);
  const [graph, setGraph] = useState<RunGraph | null>(null);
  const [state, setState] = useState<RunState | null>(null);
  const [lastSeq, setLastSeq] = useState<number | null>(null);
  const [tick, setTick] = useState(0);
  const [taskTick, setTaskTick] = useState(0);
  const selectedTask = useRef<string | null>(null);
  selectedTask.current = selected;
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    Promise.all([getJson<RunSummary>(`${runPath(runId)}/summary`), getJson<RunGraph>(`${runPath(runId)}/graph`)])
      .then(([s, g]) => current && (setSummary(s), setGraph(g)))
      .catch((e: Error) => current && setError(e.message));
    return () => void (current = false);
  }, [runId]);

  useEffect(() => {
    let current = true;
    let stop = () => {};
    let pending: RowsSummary[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const apply = () => {
      timer = null;
      const summaries = pending;
      pending = [];
      if (!current || summaries.length === 0) return;
      setLastSeq(summaries[summaries.length - 1].lastSeq);
      if (at === null) setState((prev) => (prev ? applySummaries(prev, summaries) : prev));
      setTick((t) => t + 1);
      if (summaries.some((s) => selectedTask.current !== null && selectedTask.current in s.tasks)) setTaskTick((t) => t + 1);
    };
    getJson<RunState>(`${runPath(runId)}/state`, { at })
      .then((s) => {
        if (!current) return;
        setState(s);
        setLastSeq(s.lastSeq);
        setError(null);
        // Rows after what this state includes: applied when live, counted always.
        stop = liveSocket().watch(
          runId,
          s.lastSeq ?? 0,
          (summary) => {
            pending.push(summary);
            // A busy run pushes at every group commit: applied and drawn in batches (run-live.ts).
            timer ??= setTimeout(apply, applyEveryMs(s.tasks.length));
          },
          // Its process died (or was taken up again) while the page is open: no row says so.
          (why) => {
            if (at !== null || !current) return;
            setState((prev) => (prev ? { ...prev, interrupted: why !== null, interruption: why ?? undefined } : prev));
            // The timeline is read again: an interrupted run's is no longer live (its bars stop).
            setTick((t) => t + 1);
            // How to take it up is the server's to say (its config and --db): read with the state.
            if (why !== null) {
              getJson<RunState>(`${runPath(runId)}/state`).then(
                (now) => current && setState((prev) => (prev ? { ...prev, resumeCommand: now.resumeCommand } : prev)),
                () => {},
              );
            }
          },
        );
      })
      .catch((e: Error) => current && setError(e.message));
    return () => {
      current = false;
      if (timer) clearTimeout(timer);
      stop();
    };
  }, [runId, at]);

  const tasks = state ? taskIndex(state) : new Map<string, { state: string }>();
  const stateOfTask = (name: string) => tasks.get(name)?.state ?? 'pending';
  // A run too big to draw node by node comes as groups (one box per dependency depth).
  const groups = graph?.groups ? new Map(graph.groups.map((g) => [g.id, g.members])) : null;
  const group = place.query.get('group');
  return html`<section class="run">
    <h1>Run <span class="mono">${runId}</span> ${summary && html`<small>${summary.name}</small>`}
      ${state && html` <span data-testid="run-state"><${StateBadge} state=${state.runState} /></span>`}
      ${state?.interrupted && html` <small class="st-interrupted" data-testid="interrupted">(interrupted)</small>`}</h1>
    ${state?.interrupted && at === null && html`<p>${interruptionSentence(state.interruption)}, so nothing moves it: take it up with <code data-testid="resume-command">${state.resumeCommand ?? `swarm run --resume ${runId}`}</code> (a dispatcher started on this database takes it up too).</p>`}
    ${state && at === null && html`<${RunControls} runId=${runId} runState=${state.interrupted ? 'interrupted' : state.runState} selected=${selected} />`}
    ${summary?.replayOf && html`<p>replay of <${Link} href=${runHref(summary.replayOf)}>${summary.replayOf}<//></p>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${state?.divergence && html`<p class="error" role="alert">re-simulation diverged: ${state.divergence}</p>`}
    ${state && html`<${TimeSlider} at=${at} firstSeq=${state.firstSeq} lastSeq=${lastSeq} />`}
    ${state && at !== null && state.notRebuilt.length > 0 &&
    html`<details class="note" data-testid="not-rebuilt"><summary>As of seq ${state.at}: task and run states are the real machines re-simulated from the journal. Not rebuilt exactly:</summary>
      <ul>${state.notRebuilt.map((n) => html`<li key=${n}>${n}</li>`)}</ul></details>`}
    ${state && html`<ul class="counts" data-testid="counts">${countByState(state).map(([s, n]) => html`<li key=${s}><${StateBadge} state=${s} /> ${n}</li>`)}</ul>`}
    <div class="run-body">
      ${graph && state && !groups && html`<${GraphSvg} layout=${graph.layout} testId="dag" label=${`DAG of ${graph.workflow}`}
        stateOf=${stateOfTask} selected=${selected}
        onSelect=${(id: string) => setQuery({ task: id })} />`}
      ${graph && state && groups && html`<${GraphSvg} layout=${graph.layout} testId="dag" label=${`DAG of ${graph.workflow}, grouped by depth`}
        stateOf=${(id: string) => groupState(groups.get(id) ?? [], stateOfTask)}
        textOf=${(id: string) => groupCounts(groups.get(id) ?? [], stateOfTask)} selected=${group}
        onSelect=${(id: string) => setQuery({ group: id, task: null })} />`}
      ${groups && group && !selected && html`<${GroupMembers} key=${group} id=${group} members=${groups.get(group) ?? []} stateOf=${stateOfTask} />`}
      ${selected && html`<${TaskDrawer} key=${selected} runId=${runId} name=${selected} at=${at} tick=${taskTick} />`}
    </div>
    <${TimelineView} runId=${runId} place=${place} at=${at} tick=${tick} />
    <${JournalTable} runId=${runId} place=${place} at=${at} tick=${tick} />
  </section>`;
}
