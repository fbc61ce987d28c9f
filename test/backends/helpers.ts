/**
 * Shared pieces of the backend tests: the stand-in executables (PowerShell and the Rust
 * injector cannot be installed here, and PHP need not be), requests and specs, and bounded
 * waits on real processes.
 */
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { BackendSpec } from '../../actors/backends/backend-command.ts';
import type { ExecutionRequest } from '../../src/execution.ts';

export const FIXTURES = resolve(import.meta.dir, '../fixtures/backends');

const EXECUTABLES = [
  'echo-invocation',
  'fake-php',
  'fake-pwsh',
  'fail-with-stderr',
  'print-text',
  'huge-stdout',
  'huge-stderr',
  'sleep-with-grandchild',
  'ignore-sigterm',
  'leave-orphan',
  'escape-with-setsid',
  'serve-engine',
] as const;
const DATA_FILES = ['symbolic-engine.php', 'symbolic.ps1'] as const;

export type Fixture = (typeof EXECUTABLES)[number] | (typeof DATA_FILES)[number];

export function fixture(name: Fixture): string {
  return join(FIXTURES, name);
}

/**
 * Sets the stand-ins' modes (a checkout or an archive may have lost them) and checks they
 * hold; puts this bun on PATH for the `#!/usr/bin/env bun` stand-ins.
 */
export function prepareFixtures(): void {
  for (const name of EXECUTABLES) {
    chmodSync(fixture(name), 0o755);
    if ((statSync(fixture(name)).mode & 0o111) === 0) throw new Error(`${name} could not be made executable`);
  }
  for (const name of DATA_FILES) chmodSync(fixture(name), 0o644);
  if (Bun.which('bun') === null) process.env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
}

export function makeRequest(
  overrides: Partial<ExecutionRequest['symbol']> = {},
  rest: Partial<ExecutionRequest> = {},
): ExecutionRequest {
  return {
    runId: 'run-0001',
    task: 'apply-settings',
    attempt: 2,
    kind: 'run',
    symbol: {
      name: 'apply-settings',
      type: 'action',
      context: 'wordpress',
      dispatch: 'rust_injector',
      parameters: { option: 'blogname', value: 'It\'s "quoted" $(not a shell) & more\nline two' },
      timeout: 20_000,
      ...overrides,
    },
    dependencies: { 'fetch-settings': { blogname: 'old' } },
    baseDir: '/srv/manifests',
    ...rest,
  };
}

const LIMITS = { timeoutMs: 20_000, maxOutputBytes: 64 * 1024 };

export function rustSpec(binaryPath: string, limits: Partial<typeof LIMITS> = {}): BackendSpec {
  return { target: 'rust_injector', binaryPath, ...LIMITS, ...limits };
}

export function phpSpec(phpBinary: string, scriptPath = fixture('symbolic-engine.php')): BackendSpec {
  return { target: 'php_engine', phpBinary, scriptPath, ...LIMITS };
}

export function pwshSpec(pwshBinary: string, scriptPath = fixture('symbolic.ps1')): BackendSpec {
  return { target: 'powershell_engine', pwshBinary, scriptPath, ...LIMITS };
}

/** Polls `condition` every 20 ms for at most `timeoutMs`; true as soon as it holds. */
export async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() >= deadline) return false;
    await Bun.sleep(20);
  }
}

/**
 * Whether process `pid` is dead: kill(pid, 0) fails with ESRCH, or it is a zombie. A zombie
 * counts as dead because in some containers PID 1 does not reap orphans, and kill(pid, 0)
 * succeeds on a zombie (nothing runs, only its exit status waits to be collected).
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  if (!existsSync('/proc/self/stat')) return false; // no /proc: only ESRCH is proof
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] === 'Z';
  } catch {
    return true; // reaped between the two looks
  }
}

/** The pid a stand-in wrote to `file`, once it is there (bounded wait). */
export async function pidFrom(file: string): Promise<number> {
  const written = await waitUntil(() => existsSync(file) && /^\d+\s*$/.test(readFileSync(file, 'utf8')));
  if (!written) throw new Error(`the stand-in never wrote its grandchild's pid to ${file}`);
  return Number(readFileSync(file, 'utf8').trim());
}
