import type { BatchFencing, RunFence } from '../../src/store/run-lease.ts';
import type { StoreBatch } from '../../src/store/types.ts';
import type { JournalFencing } from './journal-recorder.ts';

/** The epochs this process holds for the leased runs `batch` writes; undefined when it writes none. */
export function fencingOfBatch(batch: StoreBatch, source: JournalFencing): BatchFencing | undefined {
  const runs: RunFence[] = [];
  const seen = new Set<string>();
  const add = (runId: string | null) => {
    if (runId === null || seen.has(runId)) return;
    seen.add(runId);
    const epoch = source.epochOf(runId);
    if (epoch !== undefined) runs.push({ runId, epoch });
  };
  let last: string | null = null;
  for (const t of batch.transitions) {
    // Rows come in runs of the same run id: look each run up once per stretch.
    if (t.runId === last) continue;
    last = t.runId;
    add(t.runId);
  }
  for (const patch of batch.runs) add(patch.id);
  for (const patch of batch.tasks) add(patch.runId);
  return runs.length === 0 ? undefined : { runs };
}
