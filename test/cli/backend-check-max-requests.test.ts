import { appendFileSync } from 'node:fs';
import { afterEach, beforeAll, expect, test } from 'bun:test';
import { fixture, prepareFixtures } from '../backends/helpers.ts';
import { removeTempDirs, sandbox, swarm, swarmJson, TIMEOUT } from './helpers.ts';

/**
 * `swarm backend check` of a warm engine told to serve one request (max_requests = 1): a valid
 * config, which `swarm run` uses as it says. A real engine process (a stand-in that speaks the
 * protocol, test/fixtures/backends/serve-engine; the PHP engine in test/wordpress).
 */
beforeAll(prepareFixtures);
afterEach(removeTempDirs);

const warm = (maxRequests: number) => ['', '[backends.rust_injector]', 'enabled = true', `binary_path = "${fixture('serve-engine')}"`, 'mode = "persistent"', `max_requests = ${maxRequests}`, ''];

test('with max_requests = 1 the check passes: each probe is answered, each by a fresh engine', async () => {
  const { config } = sandbox();
  appendFileSync(config, warm(1).join('\n'));
  const { code, json } = await swarmJson(['backend', 'check', config]);
  const rust = json.backends.find((b: { backend: string }) => b.backend === 'rust_injector');
  expect(rust).toMatchObject({ enabled: true, ok: true, mode: 'persistent' });
  expect(rust.detail).toContain('warm engine (--serve) answered 2 probes, each on a fresh engine (max_requests = 1)');
  expect(code).toBe(0);
  const text = await swarm(['backend', 'check', config]);
  expect(text.stdout).toContain('✓ rust_injector: works (mode persistent)');
}, TIMEOUT);

test('with the default max_requests one engine answers both probes and stays up', async () => {
  const { config } = sandbox();
  appendFileSync(config, warm(1000).join('\n'));
  const { code, json } = await swarmJson(['backend', 'check', config]);
  expect(code).toBe(0);
  expect(json.backends[0].detail).toContain('warm engine (--serve) answered 2 probes');
  expect(json.backends[0].detail).not.toContain('fresh engine');
}, TIMEOUT);
