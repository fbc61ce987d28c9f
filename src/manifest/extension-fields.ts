/**
 * Top-level manifest fields whose names start with `x-` are the author's own: the swarm ignores
 * them and does not keep them with the run. They give YAML anchors a home, for symbols to merge
 * (`x-defaults: &defaults {...}`, then `<<: *defaults` in each symbol), as Compose files do.
 */
export const EXTENSION_PREFIX = 'x-';

export function isExtensionField(key: string): boolean {
  return key.startsWith(EXTENSION_PREFIX);
}

/** `data` without its extension fields (the same object when it has none). */
export function withoutExtensionFields(data: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(data);
  if (!keys.some(isExtensionField)) return data;
  const kept: Record<string, unknown> = {};
  for (const key of keys) if (!isExtensionField(key)) kept[key] = data[key];
  return kept;
}
