/**
 * @wp-praxis/swarm — run declarative workflows across a swarm of worker threads.
 *
 * ```ts
 * import { createDispatcher } from '@wp-praxis/swarm';
 * const dispatcher = createDispatcher({ stateDbPath: './swarm.db' });
 * await dispatcher.start();
 * const result = await dispatcher.dispatchFromFile('./workflow.yaml');
 * await dispatcher.stop();
 * ```
 */
export { createDispatcher, type CreateDispatcherOptions, type SwarmDispatcher } from './api/create-dispatcher.ts';
export { createWorker, type CreateWorkerOptions, type SwarmWorker } from './api/create-worker.ts';
export type { RunHandle } from '../actors/dispatcher.ts';
export type { RunResult, TaskResult } from './run-result.ts';
export { StateManager } from './state-manager.ts';
export { Logger, type LoggerOptions, type SwarmLogger } from './logger.ts';
export { loadConfig, defaultConfig, type SwarmConfig } from './config/index.ts';
export { loadManifestFile, parseManifest, validateManifestData, manifestJsonSchema } from './manifest/index.ts';
export type { Manifest, SymbolSpec, LoadedManifest } from './manifest/types.ts';
export * from './errors.ts';
