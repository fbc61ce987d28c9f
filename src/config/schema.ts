import { availableParallelism } from 'node:os';
import { z } from 'zod';
import {
  bytes,
  count,
  flag,
  listenAddress,
  milliseconds,
  oneOf,
  listenPort,
  postgresUrl,
  text,
  websocketUrl,
} from './fields.ts';
import { CONFIG_LIMITS as LIMITS } from './limits.ts';
import { LOG_FORMATS, LOG_LEVELS } from './log-levels.ts';
import { defaultTaskEngine, TASK_ENGINES } from '../../actors/task-engine/task-engines.ts';
import { tokenConflict } from './token.ts';
import { DEFAULT_OUTAGE_TIMEOUT_MS, DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS } from '../store/postgres/settings.ts';

/**
 * The whole swarm-config.toml as one zod schema: snake_case keys as in the file, every key with
 * its default, so `configSchema.parse({})` is the complete default config. Sections use
 * `prefault({})` (not `default`) so a missing section is parsed and gets its keys' defaults.
 * Objects strip unknown keys; the loader reports those as warnings (see unknown-keys.ts).
 * Rules that span keys are refinements on the smallest object that holds both keys, so the
 * error names the key to fix.
 */

const dispatcherSchema = z.object({
  // No default: when unset it follows bind and websocket_port (see endpoint.ts).
  coordinator_endpoint: websocketUrl().optional(),
  state_db_path: text('a file path (or ":memory:")').default('./swarm-state.db'),
  // A PostgreSQL server instead of the SQLite file: when set it wins over state_db_path, and
  // SWARM_DATABASE_URL overrides it (load.ts). No default: SQLite is.
  state_db_url: postgresUrl().optional(),
  // Only used with state_db_url (src/store/postgres/settings.ts says why these defaults).
  db_pool_size: count(1, LIMITS.db_pool_size).default(DEFAULT_POOL_SIZE),
  db_statement_timeout: milliseconds().default(DEFAULT_STATEMENT_TIMEOUT_MS),
  // How long a dispatcher whose state database is unreachable holds its runs and retries before
  // it gives them up (actors/leases/store-outage.ts); 0: at once, as a disk error does.
  db_outage_timeout: milliseconds(0).default(DEFAULT_OUTAGE_TIMEOUT_MS),
  enable_websocket: flag().default(true),
  websocket_port: listenPort().default(8080),
  manifest_path: text('a manifest file path').optional(),
  // Only spaces show as no name in run listings; "" has text()'s own message.
  workflow_name: text('a workflow name')
    .refine((name) => name === '' || name.trim() !== '', { error: 'expected a workflow name; it must not be blank (only white space)' })
    .optional(),
  bind: listenAddress().default('127.0.0.1'),
  // A function default: the CPU count is read when the config is parsed, not at import; a
  // machine with more cores than the bound gets the bound.
  local_workers: count(0, LIMITS.local_workers).default(() => Math.min(availableParallelism(), LIMITS.local_workers.max)),
  tasks_per_thread: count(1, LIMITS.tasks_per_thread).default(4),
  shutdown_grace: milliseconds(0).default(10_000),
  auth_token: text('a shared secret').optional(),
  // How task lifecycles run: compiled from the task machine (fast), or as real XState actors
  // (the reference the compiled engine is tested against). Same machine, same journal.
  task_engine: oneOf(TASK_ENGINES).default(() => defaultTaskEngine()),
});

const coordinatorSchema = z
  .object({
    max_workers: count(1, LIMITS.max_workers).default(100),
    heartbeat_interval: milliseconds().default(5_000),
    heartbeat_timeout: milliseconds().default(15_000),
    task_retry_limit: count(0, LIMITS.task_retry_limit).default(3),
    enable_load_balancing: flag().default(true),
    priority_queue_enabled: flag().default(true),
    retry_backoff_base: milliseconds(0).default(500),
    retry_backoff_max: milliseconds(0).default(30_000),
    node_wait_timeout: milliseconds(0).default(60_000),
  })
  .superRefine((c, ctx) => {
    if (c.heartbeat_timeout <= c.heartbeat_interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeat_timeout'],
        message: `must be longer than coordinator.heartbeat_interval (${c.heartbeat_interval} ms), or every node times out between two heartbeats`,
      });
    }
    if (c.retry_backoff_max < c.retry_backoff_base) {
      ctx.addIssue({
        code: 'custom',
        path: ['retry_backoff_max'],
        message: `must be at least coordinator.retry_backoff_base (${c.retry_backoff_base} ms)`,
      });
    }
  });

const capabilitiesSchema = z.object({
  rust: flag().default(true),
  php: flag().default(true),
  powershell: flag().default(true),
  // Absent means "same as [worker] max_concurrent_tasks"; filled in by workerSchema's transform.
  max_concurrent_tasks: count(1, LIMITS.max_concurrent_tasks).optional(),
});

const workerSchema = z
  .object({
    node_name: text('a node name').default('worker-node-1'),
    // One dispatcher, or several sharing a database: the worker uses one at a time, in order.
    dispatcher_url: z.union([websocketUrl(), z.array(websocketUrl()).min(1, 'list at least one dispatcher')]).default('ws://localhost:8080'),
    heartbeat_interval: milliseconds().default(5_000),
    max_concurrent_tasks: count(1, LIMITS.max_concurrent_tasks).default(4),
    auth_token: text('a shared secret').optional(),
    capabilities: capabilitiesSchema.prefault({}),
  })
  .superRefine((w, ctx) => {
    const advertised = w.capabilities.max_concurrent_tasks;
    if (advertised !== undefined && advertised > w.max_concurrent_tasks) {
      ctx.addIssue({
        code: 'custom',
        path: ['capabilities', 'max_concurrent_tasks'],
        message: `must not exceed worker.max_concurrent_tasks (${w.max_concurrent_tasks}); a worker cannot advertise slots it will not run`,
      });
    }
  })
  .transform((w) => ({
    ...w,
    capabilities: {
      ...w.capabilities,
      max_concurrent_tasks: w.capabilities.max_concurrent_tasks ?? w.max_concurrent_tasks,
    },
  }));

/** Keys every external backend has. Disabled by default: the binaries are not installed here. */
const backendBase = {
  enabled: flag().default(false),
  timeout: milliseconds().default(30_000),
  max_output_size: bytes(1, LIMITS.size).default(1_048_576),
};

/**
 * How a backend's engines run (actors/backends/engine-pool.ts): `process`, one process per
 * attempt, or `persistent`, a pool of warm engines serving request after request. The default
 * mode differs per backend (the keys do not): php_engine is `persistent`, because loading
 * WordPress is most of a symbol's cost (~130 ms a process, ~1-2 ms a warm request, see
 * bench/warm-engines.ts); the others are `process`, as their engines start in milliseconds and
 * do not serve the protocol. pool_size defaults to the node's slots (filled in by the node).
 */
export const BACKEND_MODES = ['persistent', 'process'] as const;
const engineKeys = (mode: (typeof BACKEND_MODES)[number]) => ({
  mode: oneOf(BACKEND_MODES).default(mode),
  pool_size: count(1, LIMITS.pool_size).optional(),
  max_requests: count(1, LIMITS.max_requests).default(1_000),
  max_memory: bytes(1_048_576, LIMITS.engine_memory).default(268_435_456),
});

/** An enabled backend needs the path to what it runs; a disabled one may leave it out. */
function requiredWhenEnabled<K extends string>(key: K, what: string) {
  return (backend: { enabled: boolean } & { [P in K]?: string }, ctx: z.RefinementCtx) => {
    if (backend.enabled && backend[key] === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: `expected ${what}; it is required when enabled = true` });
    }
  };
}

const backendsSchema = z.object({
  rust_injector: z
    .object({ ...backendBase, ...engineKeys('process'), binary_path: text('the injector binary path').optional() })
    .superRefine(requiredWhenEnabled('binary_path', 'the path to the wp_injector binary'))
    .prefault({}),
  php_engine: z
    .object({
      ...backendBase,
      ...engineKeys('persistent'),
      script_path: text('the engine script path').optional(),
      php_binary: text('a PHP executable name or path').default('php'),
    })
    .superRefine(requiredWhenEnabled('script_path', 'the path to symbolic-engine.php'))
    .prefault({}),
  powershell_engine: z
    .object({
      ...backendBase,
      ...engineKeys('process'),
      script_path: text('the engine script path').optional(),
      pwsh_binary: text('a PowerShell executable name or path').default('pwsh'),
    })
    .superRefine(requiredWhenEnabled('script_path', 'the path to symbolic.ps1'))
    .prefault({}),
});

const loggingSchema = z.object({
  level: oneOf(LOG_LEVELS).default('info'),
  // Empty string means "no log file"; relative paths resolve against the config file's folder.
  file: z.string({ error: 'expected a file path, or "" for no log file' }).default('./swarm.log'),
  console: flag().default(true),
  format: oneOf(LOG_FORMATS).default('text'),
});

const securitySchema = z.object({
  enable_auth: flag().default(false),
  api_key: text('a shared secret').optional(),
  allowed_hosts: z
    .array(text('a host name'), { error: 'expected a list of host names, e.g. ["localhost", "127.0.0.1"]' })
    .default(['localhost', '127.0.0.1']),
  // Lower bound: a registration or assignment message alone is a few hundred bytes.
  max_message_size: bytes(1_024, LIMITS.size).default(1_048_576),
});

export const configSchema = z
  .object({
    dispatcher: dispatcherSchema.prefault({}),
    coordinator: coordinatorSchema.prefault({}),
    worker: workerSchema.prefault({}),
    backends: backendsSchema.prefault({}),
    logging: loggingSchema.prefault({}),
    security: securitySchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    const conflict = tokenConflict(config);
    if (conflict) ctx.addIssue({ code: 'custom', path: conflict.key.split('.'), message: conflict.message });
    if (config.coordinator.heartbeat_timeout <= config.worker.heartbeat_interval) {
      ctx.addIssue({
        code: 'custom',
        path: ['worker', 'heartbeat_interval'],
        message: `must be shorter than coordinator.heartbeat_timeout (${config.coordinator.heartbeat_timeout} ms), or the dispatcher drops this worker between two heartbeats`,
      });
    }
  });

/** The validated config with every default filled in (snake_case, as in the TOML file). */
export type SwarmConfig = z.infer<typeof configSchema>;
/** What may be written in the file or passed programmatically: every key optional. */
export type SwarmConfigInput = z.input<typeof configSchema>;

export type DispatcherConfig = SwarmConfig['dispatcher'];
export type CoordinatorConfig = SwarmConfig['coordinator'];
export type WorkerConfig = SwarmConfig['worker'];
export type BackendsConfig = SwarmConfig['backends'];
export type LoggingConfig = SwarmConfig['logging'];
export type SecurityConfig = SwarmConfig['security'];

/** The built-in defaults (relative paths not yet resolved; local_workers = this machine's CPU count). */
export function defaultConfig(): SwarmConfig {
  return configSchema.parse({});
}
