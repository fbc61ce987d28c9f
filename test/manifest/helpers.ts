import { expect } from 'bun:test';
import { fileURLToPath } from 'node:url';
import { ManifestError, type ManifestIssue } from '../../src/errors.ts';
import { parseManifest, type ParseManifestOptions } from '../../src/manifest/index.ts';

export const fixturePath = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/manifests/${name}`, import.meta.url));

/** Runs `load` expecting a ManifestError and returns it. */
export function manifestErrorOf(load: () => unknown): ManifestError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    return error as ManifestError;
  }
  throw new Error('expected a ManifestError, but the manifest was accepted');
}

/** Runs `load` expecting a ManifestError and returns its issues. */
export function issuesOf(load: () => unknown): ManifestIssue[] {
  return manifestErrorOf(load).issues;
}

/** Issues of parsing `source` (YAML unless told) as file "m.yaml". */
export function yamlIssues(source: string, options: ParseManifestOptions = {}): ManifestIssue[] {
  return issuesOf(() => parseManifest(source, { format: 'yaml', file: 'm.yaml', ...options }));
}

export function tomlIssues(source: string): ManifestIssue[] {
  return issuesOf(() => parseManifest(source, { format: 'toml', file: 'm.toml' }));
}

/** The single issue about `field` (of `symbol`, when given); fails if there is not exactly one. */
export function issueAt(issues: ManifestIssue[], field: string | undefined, symbol?: string): ManifestIssue {
  const matching = issues.filter(
    (issue) => issue.field === field && (symbol === undefined || issue.symbol === symbol),
  );
  expect(matching.map((issue) => issue.message)).toHaveLength(1);
  return matching[0];
}

/** A minimal valid YAML manifest around the given symbol list text (indented by two spaces). */
export function yamlWithSymbols(symbols: string): string {
  return `name: test\nsymbols:\n${symbols}`;
}
