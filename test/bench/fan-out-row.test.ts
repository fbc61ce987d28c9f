import { describe, expect, test } from 'bun:test';
import { FAN_OUT_ID, plan } from '../../bench/plan.ts';
import type { CliRunResult, SwarmResult } from '../../bench/results.ts';
import { buildRows } from '../../bench/rows.ts';
import type { Outcome } from '../../bench/run-child.ts';

const base = { label: 'label', args: [], elapsedMs: 0, cpu: { scenarioCores: null, otherCores: null } };
const memory = (vmHwmMB: number | null) => ({ rssStartMB: 30, rssBeforeMB: 600, rssPeakSampledMB: 750, rssAfterMB: 500, vmHwmMB, heapBeforeMB: 300, heapPeakSampledMB: 280, midRun: null, samples: 10 });
// Only the fields the rows read.
const flat = (tasks: number, vmHwmMB: number | null, status = 'succeeded') =>
  ({ scenario: 'swarm-flat', tasks, tasksPerSecond: 28_000, seconds: tasks / 28_000, status, failedTasks: 0, journalRows: 5 * tasks, journalRowsPerTask: 5, peakLiveActors: 100, peakLiveByState: {}, memory: memory(vmHwmMB) }) as unknown as SwarmResult;
const ok = (id: string, result: SwarmResult | CliRunResult): Outcome => ({ ...base, id, label: id, status: 'ok', result });

describe('the 1,000,000-symbol fan-out row', () => {
  test('is planned for full runs only', () => {
    expect(plan(true, 2, 4, null).some((p) => p.id === FAN_OUT_ID)).toBe(false);
    const [p] = plan(false, 2, 4, null).filter((q) => q.id === FAN_OUT_ID);
    expect(p.args).toEqual(['swarm-flat', '--threads', '2', '--tasks-per-thread', '4', '--tasks', '1000000']);
  });

  test('reads the process peak RSS against < 1,000 MB', () => {
    const [under] = buildRows([ok(FAN_OUT_ID, flat(1_000_000, 835))]);
    expect(under).toMatchObject({ result: expect.stringContaining('835 MB peak'), target: '< 1,000 MB', met: '✓' });
    expect(buildRows([ok(FAN_OUT_ID, flat(1_000_000, 1_210))])[0].met).toBe('✗');
    expect(buildRows([ok(FAN_OUT_ID, flat(1_000_000, 835, 'failed'))])[0].met).toBe('✗');
    expect(buildRows([ok(FAN_OUT_ID, flat(1_000_000, null))])[0].met).toBe('?');
  });

  test('is neither a throughput row nor the biggest run of the memory rows', () => {
    const rows = buildRows([ok('swarm-flat-10k', flat(10_000, 300)), ok('swarm-flat-100k', flat(100_000, 350)), ok(FAN_OUT_ID, flat(1_000_000, 835))]);
    expect(rows.filter((r) => r.target.startsWith('≥ 25,000/s'))).toHaveLength(2);
    expect(rows.find((r) => r.scenario.startsWith('memory,'))!.scenario).toBe('memory, 100k run: RSS before → peak');
  });
});

describe('the same fan-out from the command line', () => {
  const cli = (maxRssMB: number | null, status = 'succeeded') =>
    ({ scenario: 'cli-run', tasks: 1_000_000, tasksPerSecond: 25_000, seconds: 40, status, failedTasks: 0, exitCode: 0, memory: { maxRssMB } }) as unknown as CliRunResult;

  test('is planned for full runs only, with its own script', () => {
    expect(plan(true, 2, 4, null).some((p) => p.id === `${FAN_OUT_ID}-cli`)).toBe(false);
    const [p] = plan(false, 2, 4, null).filter((q) => q.id === `${FAN_OUT_ID}-cli`);
    expect(p.script).toEndWith('bench/cli-run-scenario.ts');
    expect(p.args).toEqual(['cli-run', '--threads', '2', '--tasks-per-thread', '4', '--tasks', '1000000']);
  });

  test("reads the CLI process's peak RSS against < 1,000 MB", () => {
    expect(buildRows([ok(`${FAN_OUT_ID}-cli`, cli(945))])[0]).toMatchObject({ result: expect.stringContaining('945 MB peak'), target: '< 1,000 MB', met: '✓' });
    expect(buildRows([ok(`${FAN_OUT_ID}-cli`, cli(1_140))])[0].met).toBe('✗');
    expect(buildRows([ok(`${FAN_OUT_ID}-cli`, cli(700, 'failed'))])[0].met).toBe('✗');
  });

  test('the scenario runs swarm run on a YAML file it writes, and reports the run and the peak', async () => {
    const child = Bun.spawn([process.execPath, 'bench/cli-run-scenario.ts', 'cli-run', '--tasks', '300'], { cwd: `${import.meta.dir}/../..`, stdout: 'pipe', stderr: 'pipe' });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(stdout) as CliRunResult;
    expect(result).toMatchObject({ scenario: 'cli-run', tasks: 300, exitCode: 0, status: 'succeeded', completedTasks: 300, failedTasks: 0 });
    expect(result.memory.maxRssMB).toBeGreaterThan(10);
  }, 60_000);
});

describe('the memory rows', () => {
  test('a heap smaller half-way than before the run reads as a fall, not "+-"', () => {
    const withMidRun = (tasks: number, heapAfterGcMB: number) => {
      const s = flat(tasks, 400);
      return { ...s, memory: { ...s.memory, midRun: { settled: tasks / 2, rssMB: 700, heapAfterGcMB, heapTotalMB: 300, externalMB: 5, gcMs: 30 } } } as SwarmResult;
    };
    const rows = buildRows([ok('swarm-flat-10k', withMidRun(10_000, 302)), ok('swarm-flat-100k', withMidRun(100_000, 287))]);
    const retained = rows.find((r) => r.scenario.includes('heap retained'))!;
    expect(retained.result).toBe('−13 MB (−273 B per settled task); 10k run: +2 MB');
  });
});
