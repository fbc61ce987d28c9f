/**
 * Upper bounds of the config's counts and sizes. Each is far above real use and far below
 * what would exhaust memory or hang the process, and the error says why (see fields.ts).
 */

export interface Limit {
  max: number;
  /** Why there is a maximum, for the error message. */
  why: string;
}

export const CONFIG_LIMITS = {
  local_workers: {
    max: 256,
    why: 'each thread is a JavaScript runtime of its own (memory and start-up time), and threads beyond the CPU cores run nothing sooner; for more tasks at once raise tasks_per_thread',
  },
  tasks_per_thread: {
    max: 1_024,
    why: 'a thread holds all its tasks, their parameters and outputs at once',
  },
  max_concurrent_tasks: {
    max: 1_024,
    why: 'every running task holds its request and output in memory, and an external backend a process',
  },
  max_workers: {
    max: 10_000,
    why: 'every node is a connection with its own heartbeats and state',
  },
  task_retry_limit: {
    max: 1_000,
    why: 'every attempt is journaled, and a task that failed a thousand times will not succeed on the next one',
  },
  pool_size: {
    max: 1_024,
    why: 'each warm engine is a process holding its site (e.g. WordPress) in memory',
  },
  max_requests: {
    max: 1_000_000_000,
    why: 'an engine is recycled after this many answers; beyond a billion it never would be',
  },
  engine_memory: {
    max: 64 * 1_073_741_824,
    why: 'an engine larger than 64 GiB is not one this host can keep',
  },
  db_pool_size: {
    max: 1_000,
    why: 'each connection is a server process on the PostgreSQL host, and calls through the store take one at a time',
  },
  size: {
    max: 64 * 1_048_576,
    why: 'one message or output of this size is held in memory per connection or running task (64 MiB)',
  },
} satisfies Record<string, Limit>;
