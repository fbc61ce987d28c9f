/** The manifest as the runtime sees it: validated, with every default filled in. */
export const SYMBOL_TYPES = ['action', 'filter', 'state', 'query', 'transform'] as const;
export const SYMBOL_CONTEXTS = ['wordpress', 'filesystem', 'database', 'network', 'generic'] as const;
export const DISPATCH_TARGETS = ['rust_injector', 'php_engine', 'powershell_engine', 'internal'] as const;
export const ROLLBACK_POLICIES = ['symbol', 'saga', 'none'] as const;

export type SymbolType = (typeof SYMBOL_TYPES)[number];
export type SymbolContext = (typeof SYMBOL_CONTEXTS)[number];
export type DispatchTarget = (typeof DISPATCH_TARGETS)[number];
export type RollbackPolicy = (typeof ROLLBACK_POLICIES)[number];

export const SYMBOL_DEFAULTS = {
  context: 'generic' as SymbolContext,
  dispatch: 'internal' as DispatchTarget,
  priority: 0,
  timeout: 30_000,
  retries: 3,
};

/** A rollback is a symbol of its own, run when its parent fails for good. */
export interface RollbackSpec {
  name: string;
  type: SymbolType;
  context: SymbolContext;
  dispatch: DispatchTarget;
  parameters: Record<string, unknown>;
  timeout: number;
}

export interface SymbolSpec {
  name: string;
  type: SymbolType;
  context: SymbolContext;
  dispatch: DispatchTarget;
  parameters: Record<string, unknown>;
  dependencies: string[];
  priority: number;
  timeout: number;
  retries: number;
  rollback?: RollbackSpec;
}

export interface Manifest {
  name: string;
  version?: string;
  description?: string;
  metadata: Record<string, unknown>;
  rollback_policy: RollbackPolicy;
  symbols: SymbolSpec[];
}

export type ManifestFormat = 'yaml' | 'toml';

/** A manifest with the text it came from, so a run can store exactly what was deployed. */
export interface LoadedManifest {
  manifest: Manifest;
  source: string;
  format: ManifestFormat;
  /** Absolute path of the file, when it came from one; relative module paths resolve against it. */
  path?: string;
}
