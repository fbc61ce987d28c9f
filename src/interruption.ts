/**
 * Why an unfinished run is interrupted (src/run-owner.ts takeoverBasis), or null while a live
 * process holds it (or it is finished): `dead`, its process is known gone on this host;
 * `expired`, its lease ran out — its process is gone, or alive but no longer renewing it
 * (stopped, cut off from the database), or on another host where it cannot be checked;
 * `unowned`, no process ever took it.
 */
export type Interruption = 'dead' | 'expired' | 'unowned';

/**
 * Why nothing moves an interrupted run, in words that say only what is known: the CLI's
 * messages and the dashboard's pages (which import no store code) alike.
 */
export const INTERRUPTION_WORDS: Readonly<Record<Interruption, string>> = {
  dead: 'its process is gone',
  expired: 'its lease ran out (its process is gone, or stopped renewing it)',
  unowned: 'no process has taken it up',
};
