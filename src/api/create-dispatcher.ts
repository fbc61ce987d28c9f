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
import { UsageError } from '../errors.ts';
import { startDispatcherServer } from '../server/dispatcher-server.ts';

/**
 * Options of `createDispatcher`. The flat keys are the `[dispatcher]` section in camelCase, as
 * in the original API; `config` supplies everything else (a loaded config or a TOML path).
 */
export interface CreateDispatcherOptions {
  coordinatorEndpoint?: string;
  stateDbPath?: string;
  /** Listen for workers and clients (see SwarmDispatcher); only `true` here does, not the config. */
  enableWebSocket?: boolean;
  /** The port to listen on with enableWebSocket; 0 picks a free one (see `url`). */
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

/**
 * The programmatic dispatcher: runs workflows on this host's worker threads. Created with
 * `enableWebSocket: true` it is the long-lived dispatcher of `swarm start-dispatcher`: from
 * `start()` on it also listens on `websocketPort` (`bind`) for remote workers, `swarm deploy`
 * and `swarm status` clients and /metrics, and resumes unfinished runs whose process died.
 */
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
  /** Cancels active runs (running tasks get `shutdown_grace`), drains the threads (and workers), persists. */
  stop(): Promise<void>;
  readonly config: SwarmConfig;
  readonly store: SwarmStore;
  /** Where it listens (`http://host:port`) once started with `enableWebSocket: true`; else null. */
  readonly url: string | null;
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
    // 0 (a free port) is for the listener only; the config keeps a real port number.
    websocket_port: options.websocketPort === 0 ? undefined : options.websocketPort,
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

/** Where runs are hosted: a plain Dispatcher, or the one inside a listening server. */
interface Host {
  dispatcher: Dispatcher;
  store: SwarmStore;
  /** Tracks a run in the server's status and metrics (identity for a plain dispatcher). */
  track<H extends RunHandle>(handle: H): H;
  stop(): Promise<void>;
  url: string | null;
}

/** Creates a dispatcher (see SwarmDispatcher). */
export function createDispatcher(options: CreateDispatcherOptions = {}): SwarmDispatcher {
  const config = resolveConfig(options);
  // Only an explicit enableWebSocket listens: the config's default (true) is about
  // `start-dispatcher`, and a library user running workflows in-process expects no port.
  const serve = options.enableWebSocket === true;
  let host: Host | null = serve ? null : plainHost(config, options);
  const started = (): Host => {
    if (!host) throw new UsageError('Call start() first: with enableWebSocket the dispatcher opens its database and port in start().');
    return host;
  };
  const defaults = manifestDefaults(config);
  return {
    config,
    get store() {
      return started().store;
    },
    get url() {
      return host?.url ?? null;
    },
    async start() {
      if (host) return host.dispatcher.start();
      const server = startDispatcherServer(config, { ...(options.websocketPort !== undefined && { port: options.websocketPort }) });
      host = { dispatcher: server.dispatcher, store: server.store, track: (h) => server.track(h), stop: () => server.stop(), url: server.url };
    },
    dispatchFromFile: async (path) => started().track(started().dispatcher.deploy(loadManifestFile(path, { defaults }))).result,
    dispatch: async (manifest) => {
      const validated = validateManifestData(manifest, { defaults });
      // Stored as YAML text, so `show` and a replay see a manifest like any deployed file.
      const h = started();
      return h.track(h.dispatcher.deploy({ manifest: validated, source: stringifyYaml(manifest), format: 'yaml' })).result;
    },
    deploy: (loaded) => started().track(started().dispatcher.deploy(loaded)),
    replay: (runId, { manifest, ...choice } = {}) =>
      started().track(
        started().dispatcher.replay(runId, { ...choice, ...(manifest !== undefined && { manifest: loadManifestFile(manifest, { defaults }) }) }),
      ),
    resume: (runId) => started().track(started().dispatcher.resume(runId)),
    resumeOrphanedRuns: () => started().dispatcher.resumeOrphanedRuns().map((h) => started().track(h)),
    rollback: (runId) => started().track(started().dispatcher.rollback(runId)),
    stop: () => host?.stop() ?? Promise.resolve(),
  };
}

function plainHost(config: SwarmConfig, options: CreateDispatcherOptions): Host {
  const dispatcher = new Dispatcher({ config, store: options.store, clock: options.clock, random: options.random });
  return { dispatcher, store: dispatcher.store, track: (h) => h, stop: () => dispatcher.stop(), url: null };
}
