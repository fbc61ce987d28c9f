/**
 * External backends (rust_injector, php_engine, powershell_engine): specs from the config, the
 * exact command of each, one attempt run as a process group or on a pool of warm engines
 * (mode = "persistent"), and the health check at worker start. Import from here rather than from the files inside.
 */
export {
  BACKEND_TARGETS,
  backendCommand,
  backendExecutable,
  backendScript,
  backendSpec,
  enabledBackends,
  serveCommand,
  type BackendCommand,
  type BackendSpec,
  type BackendTarget,
  type ConfiguredPath,
  type EngineSettings,
} from './backend-command.ts';
export { INHERITED_ENV_VARS, backendEnv } from './backend-env.ts';
export type { BackendErrorCode } from './backend-outcome.ts';
export { runBackendProcess, type BackendRunOptions } from './process-runner.ts';
export { checkBackend, checkBackends, type BackendHealth, type HealthCheckOptions } from './backend-health.ts';
export { DEFAULT_KILL_GRACE_MS } from './process-group.ts';
export { EnginePool, type EnginePoolOptions, type EnginePoolStats } from './engine-pool.ts';
