import { z } from 'zod';

/**
 * Field builders for the config schema. Each one carries a message that says what the key
 * expects, in the words a person editing swarm-config.toml would use; the loader adds the key
 * and the value it got.
 */

/** A whole number in [min, max]; `noun` says what kind ("a whole number of milliseconds"). */
function wholeNumber(noun: string, min: number, max?: number) {
  const expected = `expected ${noun} ${max === undefined ? `>= ${min}` : `from ${min} to ${max}`}`;
  const atLeast = z.int({ error: expected }).min(min, { error: expected });
  return max === undefined ? atLeast : atLeast.max(max, { error: expected });
}

export const milliseconds = (min = 1) => wholeNumber('a whole number of milliseconds', min);
export const bytes = (min = 1) => wholeNumber('a whole number of bytes', min);
export const count = (min = 1) => wholeNumber('a whole number', min);
export const port = () => wholeNumber('a TCP port number', 1, 65_535);

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

/** An address to listen on: an IPv4/IPv6 address or a host name. */
export const listenAddress = () =>
  z.union([z.ipv4(), z.ipv6(), z.hostname()], {
    error: 'expected an IP address or host name to listen on, e.g. "127.0.0.1", "0.0.0.0" or "::"',
  });
