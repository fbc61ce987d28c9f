import { nodeMessages } from '../src/messages.ts';

/**
 * Tells a node actor how many attempts started and ended, in one event for a whole batch of
 * them (a frame from a worker, a loop turn of thread reports), not one per attempt or per
 * message: each actor event is a step of the node machine and maybe a journal row, a large
 * share of the dispatcher's work per task otherwise. Both counts in one event, so the node's
 * running count never dips below what is really out, and work that started and ended within
 * the batch changes nothing on an idle node.
 */
export class AttemptCounter {
  private started = 0;
  private ended = 0;
  private runId = '';
  private queued = false;

  constructor(
    private readonly actor: { send(event: ReturnType<typeof nodeMessages.attemptsCounted>): void },
    /** When to tell the actor what was counted: once per batch (a microtask, a setImmediate). */
    private readonly schedule: (report: () => void) => void,
  ) {}

  count(kind: 'started' | 'ended', runId: string, n = 1): void {
    if (n === 0) return;
    if (this.started + this.ended === 0) this.runId = runId;
    this[kind] += n;
    if (this.queued) return;
    this.queued = true;
    this.schedule(() => this.report());
  }

  /** Tells the actor now (before the node drains or leaves). */
  report(): void {
    this.queued = false;
    if (this.started + this.ended > 0) this.actor.send(nodeMessages.attemptsCounted(this.runId, this.started, this.ended));
    this.started = 0;
    this.ended = 0;
  }
}
