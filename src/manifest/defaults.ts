import type { SwarmConfig } from '../config/schema.ts';
import { SYMBOL_DEFAULTS, type DispatchTarget, type Manifest, type RollbackSpec, type SymbolSpec } from './types.ts';

/**
 * What a symbol gets for the fields it leaves out, where the config has a say: `retries` from
 * `[coordinator] task_retry_limit`, and `timeout` from the symbol's backend
 * (`[backends.<name>] timeout`; 30000 ms for internal operations).
 */
export interface ManifestDefaults {
  retries?: number;
  timeouts?: Partial<Record<DispatchTarget, number>>;
}

/** The defaults a config implies (see ManifestDefaults). */
export function manifestDefaults(config: SwarmConfig): ManifestDefaults {
  const { backends } = config;
  return {
    retries: config.coordinator.task_retry_limit,
    timeouts: {
      rust_injector: backends.rust_injector.timeout,
      php_engine: backends.php_engine.timeout,
      powershell_engine: backends.powershell_engine.timeout,
    },
  };
}

type WithOptionalTimeout<T> = Omit<T, 'timeout'> & { timeout?: number | undefined };
export type ParsedSymbol = WithOptionalTimeout<Omit<SymbolSpec, 'rollback'>> & { rollback?: WithOptionalTimeout<RollbackSpec> | undefined };

/** Fills a symbol's and its rollback's missing `timeout` from its dispatch target. */
export function defaultTimeoutsFiller(timeouts: ManifestDefaults['timeouts'] = {}): (symbol: ParsedSymbol) => Manifest['symbols'][number] {
  const timeoutOf = (s: { dispatch: DispatchTarget; timeout?: number }) => s.timeout ?? timeouts[s.dispatch] ?? SYMBOL_DEFAULTS.timeout;
  return ({ rollback, ...symbol }) => ({
    ...symbol,
    timeout: timeoutOf(symbol),
    ...(rollback ? { rollback: { ...rollback, timeout: timeoutOf(rollback) } } : {}),
  });
}
