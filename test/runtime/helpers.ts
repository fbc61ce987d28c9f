/**
 * Harness for the runtime integration tests: real piscina worker threads, a real SQLite file in
 * a fresh temp directory, and a Dispatcher wired to both.
 *
 * Every test file must call `afterEach(stopHarnesses)` itself: a hook registered at the top of
 * this shared module would only be registered for the first test file that imports it (the
 * module is evaluated once per process), and the other files would leak threads and files.
 */
import { afterAll, beforeAll } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { Dispatcher, type RunHandle } from '../../actors/dispatcher.ts';
import { defaultConfig, type SwarmConfig } from '../../src/config/index.ts';
import { Logger, type SwarmLogger } from '../../src/logger.ts';
import { validateManifestData } from '../../src/manifest/index.ts';
import type { LoadedManifest } from '../../src/manifest/types.ts';
import type { RunResult, TaskResult } from '../../src/run-result.ts';
import { SqliteStore } from '../../src/store/index.ts';
import type { SwarmStore, TransitionRecord } from '../../src/store/types.ts';

/** Where the tiny processor modules live; inline manifests pretend to live here too. */
export const FIXTURE_MODULES = resolve(import.meta.dir, '../fixtures/modules');
/** The repository root (for examples/ and the package self-reference). */
export const REPO_ROOT = resolve(import.meta.dir, '../..');

export interface HarnessOptions {
  localWorkers?: number;
  tasksPerThread?: number;
  /** `[dispatcher] shutdown_grace`: how long running attempts may go on after a cancel. */
  shutdownGrace?: number;
  backoffBase?: number;
  backoffMax?: number;
  priorityQueue?: boolean;
  /** Builds the store on the temp database path (e.g. a recording subclass). */
  makeStore?: (path: string) => SwarmStore;
  random?: () => number;
  /** How the dispatcher's hints name a swarm command (DispatcherOptions.commandLine). */
  commandLine?: (words: readonly string[]) => string;
  /** The dispatcher's logger (default: one that drops everything). */
  logger?: SwarmLogger;
  /** Use this harness's temp directory and database (a second dispatcher on the same file); the first one removes it. */
  sharing?: Harness;
  /** `[coordinator] heartbeat_timeout`: the length of the runs' leases. */
  leaseMs?: number;
  /** `[dispatcher] db_outage_timeout`: how long a store outage is ridden out. */
  outageMs?: number;
}

export interface Harness {
  dir: string;
  dbPath: string;
  config: SwarmConfig;
  store: SwarmStore;
  dispatcher: Dispatcher;
  /** Validates the manifest object and deploys it. */
  deploy(manifest: Record<string, unknown>): RunHandle;
  /** Deploys and waits for the run's result. */
  run(manifest: Record<string, unknown>): Promise<RunResult>;
  /** Stops the dispatcher (drains the threads) and closes the store; idempotent. */
  stop(): Promise<void>;
}

/** A logger that drops everything: the runtime's info lines would only clutter test output. */
export const silentLogger = pino({ level: 'silent', customLevels: { verbose: 15 } }) as unknown as SwarmLogger;

const live: Harness[] = [];

/** Stops every harness made since the last call (threads drained, store closed, files removed). */
export async function stopHarnesses(): Promise<void> {
  const harnesses = live.splice(0);
  await Promise.all(harnesses.map((h) => h.stop()));
}

export function testConfig(options: HarnessOptions = {}, dbPath = ':memory:'): SwarmConfig {
  const config = defaultConfig();
  config.dispatcher.state_db_path = dbPath;
  config.dispatcher.enable_websocket = false;
  config.dispatcher.local_workers = options.localWorkers ?? 2;
  config.dispatcher.tasks_per_thread = options.tasksPerThread ?? config.dispatcher.tasks_per_thread;
  config.dispatcher.shutdown_grace = options.shutdownGrace ?? 200;
  config.coordinator.retry_backoff_base = options.backoffBase ?? 5;
  config.coordinator.retry_backoff_max = options.backoffMax ?? 20;
  if (options.priorityQueue !== undefined) config.coordinator.priority_queue_enabled = options.priorityQueue;
  if (options.leaseMs !== undefined) {
    config.coordinator.heartbeat_timeout = options.leaseMs;
    config.coordinator.heartbeat_interval = Math.min(config.coordinator.heartbeat_interval, Math.floor(options.leaseMs / 3));
  }
  if (options.outageMs !== undefined) config.dispatcher.db_outage_timeout = options.outageMs;
  return config;
}

/** Wraps a manifest object as a LoadedManifest that lives in the fixture modules folder. */
export function loadedManifest(manifest: Record<string, unknown>): LoadedManifest {
  return {
    manifest: validateManifestData(manifest),
    source: JSON.stringify(manifest, null, 2),
    format: 'yaml',
    path: join(FIXTURE_MODULES, 'inline-manifest.yaml'),
  };
}

export function makeHarness(options: HarnessOptions = {}): Harness {
  const dir = options.sharing?.dir ?? mkdtempSync(join(tmpdir(), 'swarm-runtime-test-'));
  const dbPath = join(dir, 'state.db');
  const config = testConfig(options, dbPath);
  const store = options.makeStore ? options.makeStore(dbPath) : new SqliteStore(dbPath);
  const dispatcher = new Dispatcher({
    config,
    store,
    logger: options.logger ?? silentLogger,
    ...(options.random ? { random: options.random } : {}),
    ...(options.commandLine ? { commandLine: options.commandLine } : {}),
  });
  let stopping: Promise<void> | null = null;
  const harness: Harness = {
    dir,
    dbPath,
    config,
    store,
    dispatcher,
    deploy: (manifest) => dispatcher.deploy(loadedManifest(manifest)),
    run: (manifest) => harness.deploy(manifest).result,
    stop: () =>
      (stopping ??= (async () => {
        try {
          await withTimeout(dispatcher.stop(), 20_000, 'dispatcher.stop()');
        } finally {
          store.close();
          if (!options.sharing) rmSync(dir, { recursive: true, force: true });
        }
      })()),
  };
  live.push(harness);
  dispatcher.start();
  return harness;
}

/**
 * Runs one short attempt per slot and waits for them, so the pool has booted (piscina starts
 * every thread at once) before the test proper. Which threads the attempts land on is up to
 * the node's batching; this is about not counting thread start-up against a grace period.
 */
export async function warmUp(h: Harness): Promise<void> {
  const { local_workers: threads, tasks_per_thread: perThread } = h.config.dispatcher;
  const symbols = Array.from({ length: threads * perThread }, (_, i) =>
    sym(`warm-${i}`, { retries: 0, parameters: { operation: 'delay', ms: 20 } }),
  );
  const result = await h.run(manifest('warm-up', symbols));
  if (result.status !== 'succeeded') throw new Error(`the warm-up run ${result.status}`);
}

/** Rejects if `promise` has not settled within `ms` (a hang guard, not a timing assertion). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `predicate` every few ms until it holds; throws after `ms`. */
export async function waitFor(predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await Bun.sleep(5);
  }
}

export function taskOf(result: RunResult, name: string): TaskResult {
  const task = result.tasks.find((t) => t.name === name);
  if (!task) throw new Error(`no task "${name}" in run ${result.runId}`);
  return task;
}

/** The symbol name in a task actor id (`task:NAME`). */
export function taskNameOf(actorId: string): string {
  return actorId.startsWith('task:') ? actorId.slice('task:'.length) : actorId;
}

/** Task transitions into `running`, in journal order (seq), as symbol names. */
export function runningOrder(transitions: TransitionRecord[]): string[] {
  return [...transitions]
    .sort((a, b) => a.seq - b.seq)
    .filter((t) => t.actorKind === 'task' && t.to === 'running')
    .map((t) => taskNameOf(t.actorId));
}

/** The journal rows of one task actor, in order. */
export function taskTransitions(transitions: TransitionRecord[], name: string): TransitionRecord[] {
  return transitions.filter((t) => t.actorKind === 'task' && t.actorId === `task:${name}`).sort((a, b) => a.seq - b.seq);
}

/** A manifest symbol with the defaults a test usually wants spelled out. */
export function sym(name: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, type: 'action', ...fields };
}

export function manifest(name: string, symbols: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return { name, symbols, ...extra };
}

/**
 * The console log lines (each parsed from JSON) written while the calling test file runs: from
 * its first test the logger writes them here instead of stderr, and goes back after its last.
 */
export function captureLogLines(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  beforeAll(() => {
    const consoleStream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
    Logger.configure({ level: 'info', console: true, format: 'json', file: '', consoleStream });
  });
  afterAll(() => Logger.configure({ level: 'info', console: true, format: 'text', consoleStream: process.stderr }));
  return lines;
}
