import { RunStateConflictError } from '../src/errors.ts';

/**
 * Why a replay or a rollback of a run still active here is refused, with what to do in the
 * state the run is in (its coordinator's): one running or paused is cancelled first; one being
 * cancelled ends by itself; one rolling back (a saga's compensation, or a rollback by request)
 * cannot be cancelled — its rollbacks run to their end — so the advice is to wait for it.
 */
export function activeRunConflict(runId: string, state: string, wanted: 'replay' | 'rollback'): RunStateConflictError {
  const then = wanted === 'replay' ? 'then replay it' : 'then roll it back';
  if (state === 'compensating') {
    // Nothing to cancel: a rollback is not cancelled (the cancel route refuses it too).
    const after = wanted === 'replay' ? ', then replay it' : '';
    return new RunStateConflictError(
      `Run ${runId} is rolling back here: wait for its rollback to end (a rollback is not cancelled; swarm show ${runId} says how it ended)${after}.`,
    );
  }
  if (state === 'cancelling') return new RunStateConflictError(`Run ${runId} is being cancelled here: wait for it to end, ${then}.`);
  return new RunStateConflictError(
    wanted === 'replay'
      ? `Run ${runId} is still active here; cancel it first (swarm cancel ${runId}), or let it end, then replay it.`
      : `Run ${runId} is still active here; cancel it first (swarm cancel ${runId}), then roll it back.`,
  );
}

/**
 * What to do about a run another live process holds (it hosts the run, its lease running), for a
 * replay or a rollback refused here: a run rolling back there is waited for (a rollback is not
 * cancelled); any other is cancelled where it runs first.
 */
export function heldElsewhereAdvice(runId: string, rollingBack: boolean, wanted: 'replay' | 'rollback'): string {
  if (rollingBack) {
    return wanted === 'replay'
      ? 'it is rolling back; wait for that to end (a rollback is not cancelled), then replay it'
      : 'it is rolling back already; wait for that to end (a rollback is not cancelled)';
  }
  const cancel = `cancel it first where it runs (\`swarm cancel ${runId}\` on a dispatcher, Ctrl-C for a \`swarm run\`)`;
  return wanted === 'replay' ? `${cancel}, or let it end, then replay it` : `${cancel}, then roll it back`;
}
