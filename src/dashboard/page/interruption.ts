import type { Interruption } from '../../run-result.ts';

/** Why nothing moves an interrupted run, as src/run-liveness.ts says it (the page does not import the store's code). */
export const INTERRUPTION: Record<Interruption, string> = {
  dead: 'Its process is gone',
  expired: 'Its lease ran out (its process is gone, or stopped renewing it)',
  unowned: 'No process has taken it up',
};

/** A runs list's note on an interrupted run; `resume`: the server's command for it (its config and --db). */
export function interruptionTitle(runId: string, why: Interruption | undefined, resume = `swarm run --resume ${runId}`): string {
  return `${INTERRUPTION[why ?? 'dead']}; take it up with ${resume}`;
}
