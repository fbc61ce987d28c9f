import { UsageError } from '../../errors.ts';

/**
 * Query parameters of the dashboard's JSON routes, read strictly: digits only (Number() would
 * read "" as 0 and "0x10" as 16), bounded, and a usage error (400) that names the parameter.
 */

export function intParam(params: URLSearchParams, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = params.get(name);
  if (value === null) return fallback;
  // 16 digits hold every safe integer; more are refused before Number() rounds them.
  if (!/^\d{1,16}$/.test(value) || Number(value) > max) {
    throw new UsageError(`${name} expects a whole number from 0 to ${max} (got "${value.slice(0, 40)}").`);
  }
  return Number(value);
}

/** An optional whole number (null when absent). */
export function optionalIntParam(params: URLSearchParams, name: string): number | null {
  return params.get(name) === null ? null : intParam(params, name, 0);
}

/** An optional text parameter, empty read as absent. */
export function textParam(params: URLSearchParams, name: string): string | undefined {
  const value = params.get(name);
  return value === null || value === '' ? undefined : value;
}
