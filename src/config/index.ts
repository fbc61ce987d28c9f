/** The config module's public surface: import from here rather than from the files inside. */
export { loadConfig, CONFIG_ENV_VAR, DATABASE_URL_ENV_VAR, DEFAULT_CONFIG_FILE, type LoadConfigOptions, type LoadedConfig } from './load.ts';
export {
  configSchema,
  defaultConfig,
  type SwarmConfig,
  type SwarmConfigInput,
  type DispatcherConfig,
  type CoordinatorConfig,
  type WorkerConfig,
  type BackendsConfig,
  type LoggingConfig,
  type SecurityConfig,
} from './schema.ts';
export { resolvedAuthToken, TOKEN_ENV_VAR } from './token.ts';
export { coordinatorEndpoint } from './endpoint.ts';
export { resolveConfigPaths } from './paths.ts';
export { validateConfig } from './validate.ts';
export { defaultConfigText, writeDefaultConfig } from './seed.ts';
export { LOG_LEVELS, LOG_FORMATS, type LogLevel, type LogFormat } from './log-levels.ts';
