import { ConfigError } from '../../src/errors.ts';

/** The ways a dispatcher can run task lifecycles (`[dispatcher] task_engine`); see task-engine.ts. */
export const TASK_ENGINES = ['compiled', 'xstate'] as const;
export type TaskEngineName = (typeof TASK_ENGINES)[number];

/** Sets the default of `[dispatcher] task_engine` (a config file's value still wins). */
export const TASK_ENGINE_ENV_VAR = 'SWARM_TASK_ENGINE';

/**
 * `compiled`, unless SWARM_TASK_ENGINE names another engine: read when a config is parsed, so
 * one variable switches every dispatcher a process builds to the XState reference (CI runs the
 * runtime tests under both this way).
 */
export function defaultTaskEngine(env: Record<string, string | undefined> = process.env): TaskEngineName {
  const value = env[TASK_ENGINE_ENV_VAR];
  if (value === undefined || value === '') return 'compiled';
  if ((TASK_ENGINES as readonly string[]).includes(value)) return value as TaskEngineName;
  throw new ConfigError([{ key: TASK_ENGINE_ENV_VAR, env: TASK_ENGINE_ENV_VAR, message: `expected one of ${TASK_ENGINES.map((e) => `"${e}"`).join(', ')} (got "${value.slice(0, 40)}")` }]);
}
