import type { ExecutionRequest } from '../../src/execution.ts';

/**
 * The only variables a backend process inherits from the worker. A backend runs code a
 * manifest points at with the worker's privileges, and the worker's environment holds its
 * secrets (SWARM_AUTH_TOKEN, cloud or database credentials), so nothing is passed by default:
 * just what an interpreter needs to find programs (PATH), a home and a temp directory (HOME,
 * TMPDIR), and to read and write text and times the way the host does (LANG, LC_*, TZ).
 */
export const INHERITED_ENV_VARS = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'] as const;

/**
 * The complete environment of a backend process: the allowlisted variables the parent has,
 * plus which attempt this is (SWARM_RUN_ID, SWARM_ATTEMPT, SWARM_SYMBOL).
 */
export function backendEnv(
  request: ExecutionRequest,
  parentEnv: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const env = inheritedEnv(parentEnv);
  env.SWARM_RUN_ID = request.runId;
  env.SWARM_ATTEMPT = String(request.attempt);
  env.SWARM_SYMBOL = request.symbol.name;
  return env;
}

/** The allowlisted variables that `parentEnv` has, and nothing else. */
export function inheritedEnv(parentEnv: Record<string, string | undefined> = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV_VARS) {
    const value = parentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
