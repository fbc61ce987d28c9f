import { hostname } from 'node:os';

/**
 * A run owner that is certainly not alive: this host, a pid that cannot exist (above the
 * kernel's pid_max). A lease handed to it reads as a process that died (run-owner.ts).
 */
export const DEAD_OWNER = `${hostname()}:2147483646:1`;
