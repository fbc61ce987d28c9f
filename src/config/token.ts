import { ConfigError, type ConfigIssue } from '../errors.ts';

/**
 * The swarm has one shared secret. The config can spell it three ways — `[dispatcher]
 * auth_token`, `[worker] auth_token` and the original spec's `[security] api_key` — so one file
 * can serve both ends; the `SWARM_AUTH_TOKEN` environment variable overrides all three.
 */
export const TOKEN_ENV_VAR = 'SWARM_AUTH_TOKEN';

/** The parts of a config that may carry the token (a structural subset of SwarmConfig). */
export interface TokenSources {
  dispatcher: { auth_token?: string };
  worker: { auth_token?: string };
  security: { api_key?: string };
}

function tokensInConfig(config: TokenSources): Array<{ key: string; value: string }> {
  const found = [
    { key: 'dispatcher.auth_token', value: config.dispatcher.auth_token },
    { key: 'worker.auth_token', value: config.worker.auth_token },
    { key: 'security.api_key', value: config.security.api_key },
  ];
  return found.filter((t): t is { key: string; value: string } => t.value !== undefined && t.value !== '');
}

/** A problem when two of the token keys are set to different values, else undefined. */
export function tokenConflict(config: TokenSources): ConfigIssue | undefined {
  const [first, ...rest] = tokensInConfig(config);
  const other = rest.find((t) => t.value !== first.value);
  if (other === undefined) return undefined;
  return {
    key: other.key,
    message:
      `names the same shared token as ${first.key} but has a different value; ` +
      `set the token once (or give both keys the same value)`,
  };
}

/**
 * The shared token this process should use: `SWARM_AUTH_TOKEN` when set and non-empty, else
 * whichever of dispatcher.auth_token / worker.auth_token / security.api_key is set, else
 * undefined. Throws ConfigError when two config keys disagree.
 */
export function resolvedAuthToken(
  config: TokenSources,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const conflict = tokenConflict(config);
  if (conflict) throw new ConfigError([conflict]);
  const fromEnv = env[TOKEN_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return tokensInConfig(config)[0]?.value;
}
