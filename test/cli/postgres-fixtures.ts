import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPEND_MODULE } from './crash-harness.ts';
import { writeManifest } from './helpers.ts';

/**
 * Pieces the tests of several dispatchers on PostgreSQL share (postgres-partition,
 * postgres-outage): their config, a wide workflow of side-effect tasks, and bounded polling.
 */

export interface DispatcherSettings {
  storeUrl: string;
  localWorkers?: number;
  /** `[coordinator] heartbeat_timeout`: the runs' lease length. */
  leaseMs?: number;
  /** `[dispatcher] db_outage_timeout`. */
  outageMs?: number;
}

/** Writes a dispatcher config on `storeUrl` to `path`: no log file, short heartbeats. */
export function writeDispatcherConfig(path: string, settings: DispatcherSettings): void {
  const leaseMs = settings.leaseMs ?? 1_500;
  writeFileSync(
    path,
    [
      '[logging]',
      'file = ""',
      '[dispatcher]',
      `local_workers = ${settings.localWorkers ?? 2}`,
      `state_db_url = "${settings.storeUrl}"`,
      'db_statement_timeout = 3000',
      ...(settings.outageMs === undefined ? [] : [`db_outage_timeout = ${settings.outageMs}`]),
      '[coordinator]',
      'heartbeat_interval = 100',
      `heartbeat_timeout = ${leaseMs}`,
      '[worker]',
      'heartbeat_interval = 100',
      '',
    ].join('\n'),
  );
}

/** `count` independent tasks that each append `<run> <symbol> <attempt>` to `lines` between two sleeps. */
export function wideManifest(dir: string, lines: string, count: number, sleepMs: number): string {
  const symbols = Array.from({ length: count }, (_, i) =>
    [
      `  - name: t${i}`,
      '    type: action',
      '    parameters:',
      '      operation: module',
      `      module: ${JSON.stringify(APPEND_MODULE)}`,
      `      file: ${JSON.stringify(lines)}`,
      `      sleepBefore: ${sleepMs}`,
      `      sleepAfter: ${sleepMs}`,
    ].join('\n'),
  );
  return writeManifest(dir, 'wide.yaml', `name: wide\nsymbols:\n${symbols.join('\n')}\n`);
}

export function linesFile(dir: string): string {
  return join(dir, 'lines.txt');
}

export { until } from './helpers.ts';

export interface RunView {
  status: string;
  tasks: { name: string; status: string; attempts: number }[];
}

export async function runOn(url: string, runId: string): Promise<RunView> {
  const response = await fetch(`${url}/api/runs/${runId}`);
  if (!response.ok) throw new Error(`GET /api/runs/${runId}: ${response.status}`);
  return (await response.json()) as RunView;
}
