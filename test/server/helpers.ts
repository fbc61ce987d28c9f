/**
 * Harness for the dispatcher server tests: a real `startDispatcherServer` on 127.0.0.1, port 0,
 * with a SQLite file in a fresh temp directory and one worker thread.
 *
 * Every test file calls `afterEach(stopServers)` itself (see test/runtime/helpers.ts for why).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { defaultConfig, type SwarmConfig } from '../../src/config/index.ts';
import type { SwarmLogger } from '../../src/logger.ts';
import { startDispatcherServer, type DispatcherServer } from '../../src/server/dispatcher-server.ts';

const silent = pino({ level: 'silent', customLevels: { verbose: 15 } }) as unknown as SwarmLogger;

/** A logger that keeps every line it is given (parsed), warnings and up, for tests that read the log. */
export function capturedLog(): { log: SwarmLogger; lines: Record<string, any>[]; warnings: () => Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const log = pino({ level: 'info', customLevels: { verbose: 15 } }, { write: (line: string) => void lines.push(JSON.parse(line)) }) as unknown as SwarmLogger;
  return { log, lines, warnings: () => lines.filter((l) => l.level >= 40) };
}

const live: { server: DispatcherServer; dir: string }[] = [];

export async function stopServers(): Promise<void> {
  for (const { server, dir } of live.splice(0)) {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A config for a test server; `edit` changes it before the server starts. */
export function serverConfig(edit: (config: SwarmConfig) => void = () => {}): SwarmConfig {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-server-test-'));
  const config = defaultConfig();
  config.dispatcher.state_db_path = join(dir, 'state.db');
  config.dispatcher.local_workers = 1;
  config.dispatcher.shutdown_grace = 200;
  config.coordinator.retry_backoff_base = 5;
  config.coordinator.retry_backoff_max = 20;
  edit(config);
  return config;
}

/**
 * Starts a server on port 0 (or `port`); SWARM_AUTH_TOKEN is never taken from the test's
 * environment. Its log (server and runtime) goes nowhere, or to `log` (see capturedLog).
 */
export function startServer(config: SwarmConfig, options: { port?: number; env?: Record<string, string>; log?: SwarmLogger } = {}): DispatcherServer {
  const dir = join(config.dispatcher.state_db_path, '..');
  try {
    const server = startDispatcherServer(config, { port: options.port ?? 0, env: options.env ?? {}, log: options.log ?? silent });
    live.push({ server, dir });
    return server;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** fetch against the server with JSON in and out; headers may override Host, Authorization… */
export async function call(
  server: DispatcherServer,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(server.url + path, {
    method,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.body !== undefined && { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // /metrics is text
  }
  return { status: response.status, body, headers: response.headers };
}

/** Polls GET /api/runs/:id until the run has ended (bounded). */
export async function waitForRunEnd(server: DispatcherServer, runId: string, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await call(server, 'GET', `/api/runs/${runId}`);
    if (['succeeded', 'failed', 'cancelled'].includes(body.status)) return body;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end within ${timeoutMs} ms (status ${body.status})`);
    await Bun.sleep(50);
  }
}

export const HELLO = `name: tiny
symbols:
  - name: a
    type: action
    parameters: {operation: echo, message: hi}
  - name: b
    type: action
    dependencies: [a]
    parameters: {operation: noop}
`;

export const SLOW = `name: slow
symbols:
  - name: wait
    type: action
    parameters: {operation: delay, ms: 20000}
`;

/** What `promise` rejects with; fails the test if it fulfils. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
