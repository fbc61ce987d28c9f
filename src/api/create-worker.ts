import { RemoteWorker } from '../../actors/remote-worker.ts';
import { CONFIG_LIMITS } from '../config/limits.ts';
import { loadConfig } from '../config/load.ts';
import type { SwarmConfig } from '../config/schema.ts';
import { resolvedAuthToken } from '../config/token.ts';
import { validateConfig } from '../config/validate.ts';
import type { DispatchTarget } from '../manifest/types.ts';
import { checkBackends, enabledBackends, type BackendSpec } from '../../actors/backends/index.ts';
import { Logger } from '../logger.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { workerNameProblem } from '../protocol/index.ts';

/** Options of `createWorker`: a config (object or TOML path) and overrides of `[worker]`. */
export interface CreateWorkerOptions {
  config?: SwarmConfig | string;
  name?: string;
  dispatcherUrl?: string;
  maxConcurrentTasks?: number;
  authToken?: string;
}

/** A remote worker node: connects to a dispatcher and runs what it is assigned. */
export interface SwarmWorker {
  /** Checks the enabled backends, then connects; it keeps reconnecting (with backoff) until stop(). */
  start(): Promise<void>;
  /** Drains: takes no new task, finishes the running ones, reports them, disconnects. */
  stop(): Promise<void>;
  /** Whether the dispatcher has accepted this worker right now. */
  readonly connected: boolean;
  readonly name: string;
  /** What it advertises once started: `internal` and the healthy backends. */
  readonly capabilities: DispatchTarget[];
}

/**
 * The dispatchers a worker connects to, in order: the config's `[worker] dispatcher_url` (one
 * URL or a list), or a comma-separated override (`--url a,b`), each as its `/workers` route.
 */
export function workerSocketUrls(dispatcherUrl: string | readonly string[]): string[] {
  const list = typeof dispatcherUrl === 'string' ? dispatcherUrl.split(',') : dispatcherUrl;
  return [...new Set(list.map((u) => u.trim()).filter((u) => u !== '').map(workerSocketUrl))];
}

/** `ws://host:port` or `ws://host:port/` means the dispatcher's `/workers` route. */
export function workerSocketUrl(dispatcherUrl: string): string {
  const url = new URL(dispatcherUrl);
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/workers';
  return url.toString();
}

/** Which `[worker.capabilities]` flag lets a worker offer each backend. */
const CAPABILITY_FLAG = { rust_injector: 'rust', php_engine: 'php', powershell_engine: 'powershell' } as const;

/**
 * The backends this worker may offer: enabled in `[backends.*]` and allowed by its
 * `[worker.capabilities]` flag. They are health-checked at start; only healthy ones are
 * advertised, so the dispatcher never sends a task to a worker that cannot start its backend.
 */
function candidateBackends(config: SwarmConfig): BackendSpec[] {
  return enabledBackends(config.backends).filter((spec) => config.worker.capabilities[CAPABILITY_FLAG[spec.target]]);
}

/** Creates a remote worker from a config (see SwarmWorker). */
export function createWorker(options: CreateWorkerOptions = {}): SwarmWorker {
  const config =
    typeof options.config === 'string'
      ? loadConfig(options.config).config
      : (options.config ?? validateConfig({}).config);
  const { worker, security } = config;
  const name = options.name ?? worker.node_name;
  // Checked here, before any backend check: a name the dispatcher refuses is a config mistake.
  const nameProblem = workerNameProblem(name);
  // A name given in place of the config's (start-worker's argument) is a bad argument, not a bad config.
  if (nameProblem && options.name !== undefined) throw new UsageError(`${nameProblem.charAt(0).toUpperCase()}${nameProblem.slice(1)} (the name given, in place of [worker] node_name).`);
  if (nameProblem) throw new ConfigError([{ key: 'worker.node_name', message: nameProblem }]);
  // The config's value is checked with the config; one given in code is checked here, as the
  // dispatcher would refuse the hello that carries it (and the worker would retry for ever).
  const maxTasks = CONFIG_LIMITS.max_concurrent_tasks.max;
  const given = options.maxConcurrentTasks;
  if (given !== undefined && !(Number.isInteger(given) && given >= 1 && given <= maxTasks)) {
    throw new UsageError(`maxConcurrentTasks must be a whole number from 1 to ${maxTasks}, as [worker] max_concurrent_tasks (got ${given}).`);
  }
  const token = options.authToken ?? resolvedAuthToken(config);
  const log = Logger.get('worker');
  let remote: RemoteWorker | null = null;
  let stopped = false;
  return {
    name,
    async start() {
      if (remote || stopped) return;
      const candidates = candidateBackends(config);
      const health = await checkBackends(candidates);
      for (const h of health) {
        if (h.ok) log.info({ backend: h.target }, `backend ready: ${h.detail}`);
        else log.warn({ backend: h.target }, `backend ${h.target} is not offered: ${h.problem}; ${h.fix}`);
      }
      const backends = candidates.filter((spec) => health.some((h) => h.ok && h.target === spec.target));
      if (stopped) return;
      remote = new RemoteWorker({
        url: workerSocketUrls(options.dispatcherUrl ?? worker.dispatcher_url),
        name,
        capabilities: ['internal', ...backends.map((b) => b.target)],
        backends,
        capacity: options.maxConcurrentTasks ?? worker.capabilities.max_concurrent_tasks ?? worker.max_concurrent_tasks,
        ...(token ? { token } : {}),
        heartbeatIntervalMs: worker.heartbeat_interval,
        // As long as a dispatcher waits for a silent worker before it counts it lost.
        silenceMs: config.coordinator.heartbeat_timeout,
        maxMessageSize: security.max_message_size,
        logger: log,
      });
      remote.start();
    },
    async stop() {
      stopped = true;
      await remote?.stop();
    },
    get connected() {
      return remote?.connected ?? false;
    },
    get capabilities() {
      return remote ? [...remote.capabilities] : [];
    },
  };
}
