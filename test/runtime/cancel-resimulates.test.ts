import { afterEach, describe, expect, test } from 'bun:test';
import { reSimulate } from '../../actors/journal/simulation/re-simulate.ts';
import type { Manifest } from '../../src/manifest/types.ts';
import { makeHarness, manifest, stopHarnesses, sym, waitFor, withTimeout } from './helpers.ts';

afterEach(stopHarnesses);

describe('a run cancelled with many quick tasks in flight', () => {
  test('its journal re-simulates without divergence', async () => {
    for (const after of [30, 80]) {
      const h = makeHarness({ shutdownGrace: 200 });
      const symbols = Array.from({ length: 200 }, (_, i) =>
        sym(`t${i}`, { parameters: { operation: 'delay', ms: (i * 7) % 20 }, dependencies: i >= 10 ? [`t${i - 10}`] : [] }),
      );
      const handle = h.deploy(manifest('quick', symbols));
      await waitFor(() => h.store.getTasks(handle.runId).filter((t) => t.status === 'succeeded').length >= after, `${after} tasks to succeed`);
      handle.cancel('by request');
      const result = await withTimeout(handle.result, 20_000, 'the cancel');
      expect(result.status).toBe('cancelled');
      h.store.drainBackground?.(30_000);
      const record = h.store.getRun(handle.runId)!;
      const report = reSimulate({
        runId: handle.runId,
        manifest: record.manifest as Manifest,
        transitions: h.store.getTransitions(handle.runId),
        stored: { run: record, tasks: h.store.getTasks(handle.runId) },
      });
      expect({ after, divergence: report.divergence?.message ?? null }).toEqual({ after, divergence: null });
    }
  });
});
