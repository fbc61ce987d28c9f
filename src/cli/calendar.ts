/**
 * Whether a date (and time of day) written as 2026-02-28 or 2026-02-28T08:00:00 exists.
 * Date.parse does not say: it rolls a day past the month's end over into the next month
 * (2026-02-30 is 2 March) and takes 24:00 as the next day's midnight.
 */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/;

/** Days in `month` (1-12) of `year`, by the Gregorian calendar. */
function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Why the date or time at the start of `text` does not exist, or null when it does (or is not one). */
export function impossibleDate(text: string): string | null {
  const match = DATE_TIME.exec(text);
  if (!match) return null;
  const [, y, m, d, hh, mm, ss] = match;
  const [year, month, day] = [Number(y), Number(m), Number(d)];
  const date = `${y}-${m}-${d}`;
  if (month < 1 || month > 12) return `${date} is not a date: there is no month ${m}`;
  if (day < 1) return `${date} is not a date: days start at 01`;
  if (day > daysIn(year, month)) return `${date} is not a date: ${MONTHS[month - 1]} ${y} has ${daysIn(year, month)} days`;
  if (hh !== undefined && (Number(hh) > 23 || Number(mm) > 59 || (ss !== undefined && Number(ss) > 59))) {
    return `${hh}:${mm}${ss !== undefined ? `:${ss}` : ''} is not a time of day (hours 00-23, minutes and seconds 00-59)`;
  }
  return null;
}
