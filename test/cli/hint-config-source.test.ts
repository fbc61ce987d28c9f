/**
 * Hints name the config however it was given: as an argument, or in SWARM_CONFIG (a hint is
 * pasted into other shells, logs and tickets, where SWARM_CONFIG may not be set; naming the file
 * costs nothing where it is). And --url, for the commands that talk to a dispatcher.
 */
import { afterEach, expect, test } from 'bun:test';
import { join, resolve } from 'node:path';
import { killDispatchers, startDispatcher } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, swarm, TIMEOUT, writeManifest } from './helpers.ts';

afterEach(async () => {
  await killDispatchers();
  removeTempDirs();
});

const WAIT = resolve(import.meta.dir, '../fixtures/modules/wait-for-file.ts');

test('swarm run with the config in SWARM_CONFIG: its Details hint names the config', async () => {
  const { dir, config } = sandbox();
  const manifest = writeManifest(dir, 'one.yaml', 'name: one\nsymbols:\n  - {name: a, type: action, parameters: {operation: noop}}\n');
  const run = await swarm(['run', manifest], config);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(new RegExp(`Details: swarm show \\S+ ${config}\\n?$`));
}, TIMEOUT);

test("a dispatcher's hints name its config: pause's resume command (with --url), and the note on SIGTERM", async () => {
  // The held task waits for its abort on SIGTERM: a short grace makes that quick.
  const { dir, config } = sandbox({ dispatcher: 'shutdown_grace = 200' });
  const dispatcher = await startDispatcher(config);
  const manifest = writeManifest(dir, 'held.yaml', `name: held\nsymbols:\n  - {name: hold, type: action, parameters: {operation: module, module: ${WAIT}, path: ${join(dir, 'gate')}}}\n`);
  const deployed = await swarm(['deploy', manifest, config, '--url', dispatcher.url, '--detach', '--quiet'], undefined);
  expect(deployed.code).toBe(0);
  const runId = deployed.stdout.trim();
  const pause = await swarm(['pause', runId, config, '--url', dispatcher.url], undefined);
  expect({ code: pause.code, stderr: pause.stderr }).toEqual({ code: 0, stderr: '' });
  expect(pause.stdout).toContain(`no new task starts until \`swarm resume ${runId} --url ${dispatcher.url} ${config}\``);
  expect(await dispatcher.stop('SIGTERM')).toBe(0);
  expect(dispatcher.stderr()).toContain(`\`swarm run --resume <run> ${config}\``);
}, TIMEOUT);
