import { z } from 'zod';
import { MAX_TIMER_MS, MAX_TIMER_TEXT } from '../timer-limits.ts';
import type { Limit } from './limits.ts';

/**
 * Field builders for the config schema. Each one carries a message that says what the key
 * expects, in the words a person editing swarm-config.toml would use; the loader adds the key
 * and the value it got.
 */

/**
 * A whole number in [min, max]; `noun` says what kind ("a whole number of milliseconds"),
 * `why` why there is a maximum. Every number has one: an unbounded count or size can exhaust
 * memory or hang the process, and the error should say so before anything starts.
 */
function wholeNumber(noun: string, min: number, max: number, why?: string) {
  const expected = `expected ${noun} from ${min} to ${max}${why === undefined ? '' : ` (at most ${max}: ${why})`}`;
  return z.int({ error: expected }).min(min, { error: expected }).max(max, { error: expected });
}

/** A duration; at most MAX_TIMER_MS, as a longer timer would fire at once. */
export const milliseconds = (min = 1) => {
  const expected = `expected a whole number of milliseconds from ${min} to ${MAX_TIMER_MS}; the most is ${MAX_TIMER_TEXT}`;
  return z.int({ error: expected }).min(min, { error: expected }).max(MAX_TIMER_MS, { error: expected });
};
export const bytes = (min: number, limit: Limit) => wholeNumber('a whole number of bytes', min, limit.max, limit.why);
export const count = (min: number, limit: Limit) => wholeNumber('a whole number', min, limit.max, limit.why);
export const port = () => wholeNumber('a TCP port number', 1, 65_535);

/** A port to listen on: 0 asks the system for a free one (the dispatcher then says which). */
export const listenPort = () => wholeNumber('a TCP port number (0 picks a free one)', 0, 65_535);

export const flag = () => z.boolean({ error: 'expected true or false' });

/** A non-empty string; `what` says what it is ("a file path", "a node name"). */
export const text = (what: string) =>
  z.string({ error: `expected ${what} (a string)` }).min(1, { error: `expected ${what}; it must not be empty` });

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.map((v) => `"${v}"`).join(', ')}` });

/** A ws:// or wss:// URL. */
export const websocketUrl = () =>
  z.url({
    protocol: /^wss?$/,
    error: 'expected a WebSocket URL such as "ws://localhost:8080" (ws:// or wss://)',
  });

/** A PostgreSQL URL (postgres:// or postgresql://), the state database on a server. */
export const postgresUrl = () =>
  z.url({
    protocol: /^postgres(ql)?$/,
    error: 'expected a PostgreSQL URL such as "postgres://swarm@db.example:5432/swarm" (postgres:// or postgresql://)',
  });

/** An address to listen on: an IPv4/IPv6 address or a host name. */
export const listenAddress = () =>
  z.union([z.ipv4(), z.ipv6(), z.hostname()], {
    error: 'expected an IP address or host name to listen on, e.g. "127.0.0.1", "0.0.0.0" or "::"',
  });
