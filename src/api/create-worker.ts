import { RemoteWorker } from '../../actors/remote-worker.ts';
import { loadConfig } from '../config/load.ts';
import type { SwarmConfig } from '../config/schema.ts';
import { resolvedAuthToken } from '../config/token.ts';
import { validateConfig } from '../config/validate.ts';
import type { DispatchTarget } from '../manifest/types.ts';

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
  /** Connects; it keeps reconnecting (with backoff) until stop(). */
  start(): Promise<void>;
  /** Drains: takes no new task, finishes the running ones, reports them, disconnects. */
  stop(): Promise<void>;
  /** Whether the dispatcher has accepted this worker right now. */
  readonly connected: boolean;
  readonly name: string;
}

/** `ws://host:port` or `ws://host:port/` means the dispatcher's `/workers` route. */
export function workerSocketUrl(dispatcherUrl: string): string {
  const url = new URL(dispatcherUrl);
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/workers';
  return url.toString();
}

/**
 * What this worker offers. Internal operations always; the external backends (`rust`, `php`,
 * `powershell` in `[worker.capabilities]`) only once this swarm can run them (issue 5), so a
 * worker never advertises a backend it cannot start.
 */
function capabilitiesOf(_config: SwarmConfig): DispatchTarget[] {
  return ['internal'];
}

/** Creates a remote worker from a config (see SwarmWorker). */
export function createWorker(options: CreateWorkerOptions = {}): SwarmWorker {
  const config =
    typeof options.config === 'string'
      ? loadConfig(options.config).config
      : (options.config ?? validateConfig({}).config);
  const { worker, security } = config;
  const name = options.name ?? worker.node_name;
  const token = options.authToken ?? resolvedAuthToken(config);
  const remote = new RemoteWorker({
    url: workerSocketUrl(options.dispatcherUrl ?? worker.dispatcher_url),
    name,
    capabilities: capabilitiesOf(config),
    capacity: options.maxConcurrentTasks ?? worker.capabilities.max_concurrent_tasks ?? worker.max_concurrent_tasks,
    ...(token ? { token } : {}),
    heartbeatIntervalMs: worker.heartbeat_interval,
    maxMessageSize: security.max_message_size,
  });
  return {
    name,
    start: async () => remote.start(),
    stop: () => remote.stop(),
    get connected() {
      return remote.connected;
    },
  };
}
