import { dlopen, FFIType } from 'bun:ffi';

/**
 * Makes this process a child subreaper (Linux prctl PR_SET_CHILD_SUBREAPER) so that a backend's
 * (or, in the CLI, a module's) descendant that escapes its process group (setsid, double fork) is
 * re-parented to us when its parent dies, not to PID 1: it stays our descendant, visible in /proc as our child, and its
 * zombie is ours to reap (`reapChild`). Needs no privilege. Measured under Bun 1.4.5: Bun does not
 * reap children it did not spawn (they stay zombies until we do), and taking a child Bun spawned
 * makes Bun die with ECHILD — so `reapChild` must only ever see foreign pids.
 */

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;

type Libc = {
  symbols: {
    prctl(option: number, a: bigint, b: bigint, c: bigint, d: bigint): number;
    waitpid(pid: number, status: Int32Array | null, options: number): number;
  };
};

let libc: Libc | null | undefined;
let subreaper: boolean | undefined;

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== 'linux') return libc;
  try {
    libc = dlopen('libc.so.6', {
      prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
      waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
    }) as unknown as Libc;
  } catch {
    // Not glibc (musl) or no FFI: escaped processes are still found by their marker, and PID 1
    // reaps them.
  }
  return libc;
}

/** Turns this process into a child subreaper, once. Whether it is one. */
export function becomeSubreaper(): boolean {
  if (subreaper !== undefined) return subreaper;
  const lib = loadLibc();
  subreaper = lib !== null && lib.symbols.prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) === 0;
  return subreaper;
}

/** Collects the exit status of our exited child `pid` without blocking. Never pass a pid Bun spawned. */
export function reapChild(pid: number): void {
  loadLibc()?.symbols.waitpid(pid, null, WNOHANG);
}
