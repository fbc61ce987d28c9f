/**
 * Colour for statuses on a terminal. Off when stdout is not a terminal, when NO_COLOR is set
 * (no-color.org) or TERM is "dumb". A status is always written as its word too, so nothing
 * depends on telling colours apart.
 */

const CODES = { green: 32, red: 31, yellow: 33, magenta: 35, cyan: 36, blue: 34, grey: 90 } as const;
type Colour = keyof typeof CODES;

const BY_STATUS: Record<string, Colour> = {
  succeeded: 'green',
  failed: 'red',
  rollback_failed: 'magenta',
  rolled_back: 'yellow',
  retrying: 'yellow',
  rolling_back: 'yellow',
  running: 'cyan',
  assigned: 'cyan',
  paused: 'blue',
  cancelled: 'grey',
  skipped: 'grey',
  pending: 'grey',
  ready: 'grey',
};

export function colourOn(env: Record<string, string | undefined> = process.env, stream: { isTTY?: boolean } = process.stdout): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';
}

/** `text` in the colour of `status` (by default the text is the status). */
export function paintStatus(status: string, text = status, on = colourOn()): string {
  const colour = BY_STATUS[status];
  return on && colour ? `\x1b[${CODES[colour]}m${text}\x1b[39m` : text;
}
