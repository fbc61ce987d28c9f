import { UsageError } from '../errors.ts';
import { impossibleDate } from './calendar.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The longest duration taken: a hundred years back is before any run, and far from where dates stop (NaN). */
const MAX_DAYS = 36_500;

/**
 * "7d", "12h", "30m", "90s", "500ms", "1w". The unit is required: a bare "7" once meant
 * 7 ms to `prune` and deleted every run of someone who meant a week.
 */
export function parseDuration(text: string, option: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text);
  if (!match) throw new UsageError(`${option} expects a duration such as 7d, 12h, 30m, 90s or 500ms (got "${text}").`);
  if (match[2] === undefined) {
    throw new UsageError(`${option} needs a unit: "${text.trim()}d" for days, "${text.trim()}h" for hours (ms, s, m, h, d, w).`);
  }
  const ms = Math.round(Number(match[1]) * UNITS[match[2]]);
  if (!(ms <= MAX_DAYS * UNITS.d)) {
    throw new UsageError(`${option} is at most ${MAX_DAYS}d (a hundred years); got "${text.trim()}".`);
  }
  return ms;
}

/**
 * A point in time for `--since`: a duration back from now ("2h", "7d") or a date or date-time
 * ("2026-12-01", "2026-12-01T08:00", local time unless it says otherwise).
 */
export function parseSince(text: string, option: string, now = Date.now()): number {
  if (/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*$/.test(text)) return now - parseDuration(text, option);
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const impossible = impossibleDate(text.trim());
    if (impossible !== null) {
      throw new UsageError(`${option}: ${impossible}; give a date that exists (2026-12-01, 2026-12-01T08:00).`);
    }
    const at = Date.parse(/T|\s\d/.test(text.trim()) ? text.trim() : `${text.trim()}T00:00`);
    if (Number.isFinite(at)) return at;
  }
  throw new UsageError(`${option} expects a duration back from now (2h, 7d) or a date (2026-12-01, 2026-12-01T08:00); got "${text}".`);
}
