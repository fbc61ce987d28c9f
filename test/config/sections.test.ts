import { expect, test } from 'bun:test';
import { configSchema } from '../../src/config/schema.ts';
import { CONFIG_SECTIONS } from '../../src/config/sections.ts';
import { ManifestError } from '../../src/errors.ts';
import { parseManifest } from '../../src/manifest/index.ts';

test('CONFIG_SECTIONS are the config schema sections', () => {
  expect([...CONFIG_SECTIONS]).toEqual(Object.keys(configSchema.shape));
});

test('a config file given where a manifest goes: each section says so', () => {
  let issues: ManifestError['issues'] = [];
  try {
    parseManifest('[dispatcher]\nlocal_workers = 2\n\n[logging]\nlevel = "info"\n', { format: 'toml', file: 'c.toml' });
  } catch (err) {
    issues = (err as ManifestError).issues;
  }
  const sections = issues.filter((i) => i.message.includes("is a section of the swarm's config file"));
  expect(sections.map((i) => i.field)).toEqual(['dispatcher', 'logging']);
  expect(sections[0].message).toContain('swarm run <manifest> [config]');
});
