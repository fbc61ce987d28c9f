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
