import type { BackendsConfig } from '../../src/config/schema.ts';
import { ConfigError } from '../../src/errors.ts';
import type { ExecutionRequest } from '../../src/execution.ts';

/**
 * How each external backend is started: the `[backends.*]` config sections turned into specs,
 * and a spec plus one request turned into the exact argv of the design's argument forms.
 */

export const BACKEND_TARGETS = ['rust_injector', 'php_engine', 'powershell_engine'] as const;
export type BackendTarget = (typeof BACKEND_TARGETS)[number];

interface BackendLimits {
  /** `[backends.X] timeout`; an attempt gets the smaller of this and the symbol's timeout. */
  timeoutMs: number;
  /** `[backends.X] max_output_size`: the cap on stdout and on stderr, each (per answer when warm). */
  maxOutputBytes: number;
  /** Present when `[backends.X] mode = "persistent"`: attempts go to a pool of warm engines. */
  persistent?: EngineSettings;
}

/** The bounds of a backend's pool of warm engines (engine-pool.ts). */
export interface EngineSettings {
  /** `pool_size`: engines at most per node; absent means the node's slots. */
  poolSize?: number;
  /** `max_requests`: an engine is replaced after this many answers. */
  maxRequests: number;
  /** `max_memory`: an engine whose own report exceeds this after an answer is replaced. */
  maxMemoryBytes: number;
}

type EngineKeys = { mode: 'persistent' | 'process'; pool_size?: number; max_requests: number; max_memory: number };

/** The persistent part of a spec from the section's keys; nothing in process mode. */
function engineSettings(section: EngineKeys): { persistent?: EngineSettings } {
  if (section.mode !== 'persistent') return {};
  return {
    persistent: {
      ...(section.pool_size !== undefined && { poolSize: section.pool_size }),
      maxRequests: section.max_requests,
      maxMemoryBytes: section.max_memory,
    },
  };
}

/** One backend as the runner needs it, from its validated config section (paths already resolved). */
export type BackendSpec = BackendLimits &
  (
    | { target: 'rust_injector'; binaryPath: string }
    | { target: 'php_engine'; phpBinary: string; scriptPath: string }
    | { target: 'powershell_engine'; pwshBinary: string; scriptPath: string }
  );

/** A program and its arguments, passed to the OS as they are (never through a shell). */
export interface BackendCommand {
  file: string;
  args: string[];
}

/** A file the spec names, with the config key that sets it (for messages that say what to fix). */
export interface ConfiguredPath {
  path: string;
  key: string;
  /** What the file should be, for messages: "a PHP CLI executable". */
  what: string;
}

/**
 * The spec of one backend, whether or not it is enabled. Throws a ConfigError naming the key
 * when the section lacks the path it needs (the schema only requires it when enabled = true).
 */
export function backendSpec(target: BackendTarget, backends: BackendsConfig): BackendSpec {
  const missing = (key: string) =>
    new ConfigError([{ key: `backends.${target}.${key}`, message: `required to run the ${target} backend` }]);
  switch (target) {
    case 'rust_injector': {
      const s = backends.rust_injector;
      if (s.binary_path === undefined) throw missing('binary_path');
      return {
        target,
        binaryPath: s.binary_path,
        timeoutMs: s.timeout,
        maxOutputBytes: s.max_output_size,
        ...engineSettings(s),
      };
    }
    case 'php_engine': {
      const s = backends.php_engine;
      if (s.script_path === undefined) throw missing('script_path');
      return {
        target,
        phpBinary: s.php_binary,
        scriptPath: s.script_path,
        timeoutMs: s.timeout,
        maxOutputBytes: s.max_output_size,
        ...engineSettings(s),
      };
    }
    case 'powershell_engine': {
      const s = backends.powershell_engine;
      if (s.script_path === undefined) throw missing('script_path');
      return {
        target,
        pwshBinary: s.pwsh_binary,
        scriptPath: s.script_path,
        timeoutMs: s.timeout,
        maxOutputBytes: s.max_output_size,
        ...engineSettings(s),
      };
    }
  }
}

/** The specs of the backends with `enabled = true`, in BACKEND_TARGETS order. */
export function enabledBackends(backends: BackendsConfig): BackendSpec[] {
  return BACKEND_TARGETS.filter((target) => backends[target].enabled).map((target) => backendSpec(target, backends));
}

/** The program the spec starts: the injector binary or the interpreter. */
export function backendExecutable(spec: BackendSpec): ConfiguredPath {
  switch (spec.target) {
    case 'rust_injector':
      return { path: spec.binaryPath, key: 'backends.rust_injector.binary_path', what: 'the wp_injector binary' };
    case 'php_engine':
      return { path: spec.phpBinary, key: 'backends.php_engine.php_binary', what: 'a PHP CLI executable' };
    case 'powershell_engine':
      return {
        path: spec.pwshBinary,
        key: 'backends.powershell_engine.pwsh_binary',
        what: 'a PowerShell 7 executable (pwsh)',
      };
  }
}

/** The script the interpreter runs, or null for the injector (a binary of its own). */
export function backendScript(spec: BackendSpec): ConfiguredPath | null {
  switch (spec.target) {
    case 'rust_injector':
      return null;
    case 'php_engine':
      return { path: spec.scriptPath, key: 'backends.php_engine.script_path', what: 'symbolic-engine.php' };
    case 'powershell_engine':
      return { path: spec.scriptPath, key: 'backends.powershell_engine.script_path', what: 'symbolic.ps1' };
  }
}

/**
 * The argv for one request, exactly as the design fixes it:
 * - `<binary_path> --symbol NAME --type TYPE --context CTX --params JSON`
 * - `<php_binary> <script_path> --symbol NAME --type TYPE --context CTX --params JSON`
 * - `<pwsh_binary> -File <script_path> -SymbolName NAME -SymbolType TYPE -Context CTX -Parameters JSON`
 */
export function backendCommand(spec: BackendSpec, request: ExecutionRequest): BackendCommand {
  const { name, type, context, parameters } = request.symbol;
  const params = JSON.stringify(parameters);
  const posix = ['--symbol', name, '--type', type, '--context', context, '--params', params];
  switch (spec.target) {
    case 'rust_injector':
      return { file: spec.binaryPath, args: posix };
    case 'php_engine':
      return { file: spec.phpBinary, args: [spec.scriptPath, ...posix] };
    case 'powershell_engine':
      return {
        file: spec.pwshBinary,
        args: [
          '-File', spec.scriptPath,
          '-SymbolName', name, '-SymbolType', type, '-Context', context, '-Parameters', params,
        ],
      };
  }
}

/**
 * The argv of a warm engine (mode = "persistent"), started once and then given requests on
 * stdin, one JSON document a line (engine-protocol.ts): the same program and script, with
 * `--serve` (PowerShell's parameter style: `-Serve`) in place of one symbol's arguments.
 */
export function serveCommand(spec: BackendSpec): BackendCommand {
  switch (spec.target) {
    case 'rust_injector':
      return { file: spec.binaryPath, args: ['--serve'] };
    case 'php_engine':
      return { file: spec.phpBinary, args: [spec.scriptPath, '--serve'] };
    case 'powershell_engine':
      return { file: spec.pwshBinary, args: ['-File', spec.scriptPath, '-Serve'] };
  }
}
