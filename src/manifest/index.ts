/** Manifest loading and validation: the only entry point other modules should import. */
export { parseManifest, validateManifestData, type ParseManifestOptions } from './parse.ts';
export { loadManifestFile } from './load.ts';
export { manifestDefaults, type ManifestDefaults } from './defaults.ts';
export { manifestJsonSchema } from './json-schema.ts';
export { topologicalOrder } from './graph.ts';
export * from './types.ts';
