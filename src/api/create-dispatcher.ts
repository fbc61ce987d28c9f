import { stringify as stringifyYaml } from 'yaml';
import { Dispatcher, type RunHandle } from '../../actors/dispatcher.ts';
import type { Clock } from '../clock.ts';
import { loadConfig } from '../config/load.ts';
import type { SwarmConfig } from '../config/schema.ts';
import { validateConfig } from '../config/validate.ts';
import { loadManifestFile, manifestDefaults, validateManifestData } from '../manifest/index.ts';
import type { LoadedManifest, Manifest } from '../manifest/types.ts';
import type { RunResult } from '../run-result.ts';
import type { SwarmStore } from '../store/types.ts';

/**
 * Options of `createDispatcher`. The flat keys are the `[dispatcher]` section in camelCase, as
 * in the original API; `config` supplies everything else (a loaded config or a TOML path).
 */
export interface CreateDispatcherOptions {
  coordinatorEndpoint?: string;
  stateDbPath?: string;
  enableWebSocket?: boolean;
  websocketPort?: number;
  bind?: string;
  localWorkers?: number;
  tasksPerThread?: number;
  authToken?: string;
  /** A whole config, or the path of a swarm-config.toml; the flat keys above override it. */
  config?: SwarmConfig | string;
  /** Use this store instead of opening `stateDbPath` (the caller closes it). */
  store?: SwarmStore;
  clock?: Clock;
  random?: () => number;
}

/** The programmatic dispatcher: runs workflows on this host's worker threads. */
export interface SwarmDispatcher {
  start(): Promise<void>;
  /** Loads, validates and runs a manifest file; resolves when the run has ended. */
  dispatchFromFile(path: string): Promise<RunResult>;
  /** Runs a manifest given as an object (validated first); resolves when the run has ended. */
  dispatch(manifest: Manifest | Record<string, unknown>): Promise<RunResult>;
  /** Starts a run and returns at once with a handle to follow, pause or cancel it. */
  deploy(manifest: LoadedManifest): RunHandle;
  /** A new run that re-runs `runId`, reusing what succeeded (`from`, `all`, an edited `manifest` path). */
  replay(runId: string, options?: { from?: string; all?: boolean; manifest?: string }): RunHandle;
  /** Takes up an unfinished run whose process died: nothing that succeeded runs again. */
  resume(runId: string): RunHandle;
  /** Resumes every unfinished run whose process died; returns their handles. */
  resumeOrphanedRuns(): RunHandle[];
  /** Compensates a finished run's succeeded symbols, newest first; it ends rolled_back or rollback_failed. */
  rollback(runId: string): RunHandle;
  /** Cancels active runs (running tasks get `shutdown_grace`), drains the threads, persists. */
  stop(): Promise<void>;
  readonly config: SwarmConfig;
  readonly store: SwarmStore;
}

function resolveConfig(options: CreateDispatcherOptions): SwarmConfig {
  const base: SwarmConfig =
    typeof options.config === 'string'
      ? loadConfig(options.config).config
      : options.config
        ? structuredClone(options.config)
        : validateConfig({}).config;
  const overrides: Record<string, unknown> = {
    coordinator_endpoint: options.coordinatorEndpoint,
    state_db_path: options.stateDbPath,
    enable_websocket: options.enableWebSocket,
    websocket_port: options.websocketPort,
    bind: options.bind,
    local_workers: options.localWorkers,
    tasks_per_thread: options.tasksPerThread,
    auth_token: options.authToken,
  };
  const dispatcher = { ...base.dispatcher } as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) dispatcher[key] = value;
  // Validate the merged result, so a bad override fails like a bad file would.
  return validateConfig({ ...base, dispatcher }).config;
}

/** Creates a dispatcher that runs workflows on this host (see SwarmDispatcher). */
export function createDispatcher(options: CreateDispatcherOptions = {}): SwarmDispatcher {
  const config = resolveConfig(options);
  const dispatcher = new Dispatcher({
    config,
    store: options.store,
    clock: options.clock,
    random: options.random,
  });
  const defaults = manifestDefaults(config);
  return {
    config,
    store: dispatcher.store,
    start: async () => dispatcher.start(),
    dispatchFromFile: async (path) => dispatcher.deploy(loadManifestFile(path, { defaults })).result,
    dispatch: async (manifest) => {
      const validated = validateManifestData(manifest, { defaults });
      // Stored as YAML text, so `show` and a replay see a manifest like any deployed file.
      return dispatcher.deploy({ manifest: validated, source: stringifyYaml(manifest), format: 'yaml' }).result;
    },
    deploy: (loaded) => dispatcher.deploy(loaded),
    replay: (runId, { manifest, ...choice } = {}) =>
      dispatcher.replay(runId, { ...choice, ...(manifest !== undefined && { manifest: loadManifestFile(manifest, { defaults }) }) }),
    resume: (runId) => dispatcher.resume(runId),
    resumeOrphanedRuns: () => dispatcher.resumeOrphanedRuns(),
    rollback: (runId) => dispatcher.rollback(runId),
    stop: () => dispatcher.stop(),
  };
}
