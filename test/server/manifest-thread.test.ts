import { afterEach, describe, expect, test } from 'bun:test';
import { ManifestError } from '../../src/errors.ts';
import { parseManifest } from '../../src/manifest/index.ts';
import { ManifestThread } from '../../src/server/manifest-thread.ts';
import { call, HELLO, rejection, serverConfig, startServer, stopServers } from './helpers.ts';

afterEach(stopServers);

/** A valid YAML manifest of about 1 MiB that takes the YAML library a second or more. */
const BIG = `name: big\nsymbols:\n  - name: a\n    type: action\n    parameters: { operation: echo, message: [${'1,'.repeat(500_000)}1] }\n`;

describe('ManifestThread: posted manifests are read on a thread of their own', () => {
  test('the same result as parseManifest, valid or not', async () => {
    const thread = new ManifestThread();
    try {
      const loaded = await thread.parse(HELLO, { format: 'yaml', file: 'posted' });
      expect(loaded).toEqual(parseManifest(HELLO, { format: 'yaml', file: 'posted' }));
      const bad = 'name: t\nsymbols:\n  - name: a\n    type: action\n    parameters: { operation: echo, message: &x [*x] }\n';
      const error = await rejection(thread.parse(bad, { format: 'yaml', file: 'posted' }));
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as ManifestError).issues).toEqual([expect.objectContaining({ file: 'posted', line: 5, symbol: 'a', field: 'parameters.message[0]' })]);
    } finally {
      thread.close();
    }
  });

  test('a manifest over the time limit is refused with a clear issue, and the next one is still taken', async () => {
    const thread = new ManifestThread(1); // no manifest of 1 MiB is read within 1 ms
    try {
      const [first, second] = await Promise.all([rejection(thread.parse(BIG, { file: 'big.yaml' })), rejection(thread.parse(BIG, { file: 'again.yaml' }))]);
      for (const [error, file] of [[first, 'big.yaml'], [second, 'again.yaml']] as const) {
        expect(error).toBeInstanceOf(ManifestError);
        expect((error as ManifestError).issues).toEqual([{ file, message: expect.stringContaining('took longer than') }]);
      }
    } finally {
      thread.close();
    }
  });
});

describe('POST /api/runs with a large manifest', () => {
  test('the dispatcher answers other requests while the manifest is validated', async () => {
    const server = startServer(serverConfig());
    let deployed: Awaited<ReturnType<typeof call>> | undefined;
    const deploy = call(server, 'POST', '/api/runs', { body: { source: BIG, format: 'yaml' } }).then((response) => (deployed = response));
    // Reading this manifest on the event loop would hold every other request until it is
    // done; off the loop, /health keeps answering, many times over, meanwhile.
    let answered = 0;
    while (deployed === undefined) {
      expect((await call(server, 'GET', '/health')).status).toBe(200);
      answered++;
    }
    await deploy;
    expect(deployed.status).toBe(201);
    expect(answered).toBeGreaterThan(10);
  }, 30_000);

  test('a manifest that cannot be stored is 400 with its issues', async () => {
    const server = startServer(serverConfig());
    const source = `name: t\nsymbols:\n  - name: a\n    type: action\n    parameters: { operation: echo, message: ${'['.repeat(100_000)}${']'.repeat(100_000)} }\n`;
    const { status, body } = await call(server, 'POST', '/api/runs', { body: { source, format: 'yaml' } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('MANIFEST_INVALID');
    expect(body.error.issues).toEqual([expect.objectContaining({ line: 5, message: expect.stringContaining('deeper than 256 levels') })]);
  });
});
