/** `swarm start-worker worker-2`: a lone argument that is not a file is the worker's name. */
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { killDispatchers, startDispatcher } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, spawnCli, swarm } from './helpers.ts';

setDefaultTimeout(60_000);
afterEach(async () => {
  await killDispatchers();
  removeTempDirs();
});

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0];
}

describe('start-worker arguments', () => {
  test('a lone name is the name (config from SWARM_CONFIG); --name works too; a missing .toml is still a config error', async () => {
    const { config, db } = sandbox();
    const dispatcher = await startDispatcher(config, ['--db', db]);
    for (const args of [['worker-2'], ['--name', 'worker-3']]) {
      const worker = spawnCli(['start-worker', ...args, '--url', dispatcher.url], config);
      const line = await firstLine(worker.stdout);
      expect(line).toContain(`Worker ${args.at(-1)} (offers internal`);
      worker.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    }
    const missing = await swarm(['start-worker', 'nope.toml', '--url', dispatcher.url], config);
    expect(missing.code).toBe(2);
    const clash = await swarm(['start-worker', 'a', '--name', 'b', '--url', dispatcher.url], config);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('Two names for one worker');
  });

  test('a --url that is not a dispatcher URL is a usage error (exit 2) that names it', async () => {
    const { config } = sandbox();
    for (const [url, said] of [
      ['notaurl', '--url expects a URL such as http://127.0.0.1:8080 (got "notaurl")'],
      ['ws://127.0.0.1:1,notaurl', '(got "notaurl")'],
      ['ftp://x', '--url expects an http://, https://, ws:// or wss:// URL (got "ftp://x")'],
      [' , ', 'got nothing'],
    ]) {
      const result = await swarm(['start-worker', 'w1', '--url', url], config);
      expect({ url, code: result.code }).toEqual({ url, code: 2 });
      expect(result.stderr).toContain(said);
      expect(result.stderr).not.toContain('unexpected error');
    }
  });
});
