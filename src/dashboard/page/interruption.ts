import { INTERRUPTION_WORDS, type Interruption } from '../../interruption.ts';

/** Why nothing moves an interrupted run, as the CLI says it, at the start of a sentence. */
export function interruptionSentence(why: Interruption | undefined): string {
  const words = INTERRUPTION_WORDS[why ?? 'dead'];
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A runs list's note on an interrupted run; `resume`: the server's command for it (its config and --db). */
export function interruptionTitle(runId: string, why: Interruption | undefined, resume = `swarm run --resume ${runId}`): string {
  return `${interruptionSentence(why)}; take it up with ${resume}`;
}
