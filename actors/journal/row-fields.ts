/** What a journal row says of a snapshot and an event: the state's name and the event's payload. */

/** A state value as one name: `running`, or `parent.child` for a nested state. */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [key, child] = Object.entries(value)[0] ?? [];
    return key === undefined ? '' : child === undefined || (typeof child === 'object' && Object.keys(child as object).length === 0) ? key : `${key}.${stateName(child)}`;
  }
  return String(value);
}

/** The event without its type; null for XState's own events and for an event that carries nothing else. */
export function payloadOf(event: { type: string }): Record<string, unknown> | null {
  if (event.type.startsWith('xstate.')) return null;
  const { type: _type, ...rest } = event as Record<string, unknown>;
  return Object.keys(rest).length === 0 ? null : rest;
}
