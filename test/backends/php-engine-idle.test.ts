import { expect, test } from 'bun:test';
import { resolve } from 'node:path';

/**
 * A warm PHP engine ends when its stdin closes, never because it was quiet. The swarm's end of
 * the engine's stdin is a socket, on which PHP's fgets gives up after default_socket_timeout
 * (60 s); the engine took that for the end of stdin, so every warm engine of an idle node ended
 * a minute after its last request. Here the timeout is 1 s, and the engine waits 2.5 s.
 */

const ENGINE = resolve(import.meta.dir, '../../examples/backends/php/symbolic-engine.php');
const php = Bun.which('php');

test.skipIf(php === null && !process.env.CI)('a warm engine outlives default_socket_timeout without a request, then answers, and ends when stdin closes', async () => {
  const engine = Bun.spawn([php ?? 'php', '-d', 'default_socket_timeout=1', ENGINE, '--serve'], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' });
  try {
    await Bun.sleep(2_500); // quiet for longer than the timeout: what is asserted is that it is still there
    expect(engine.exitCode).toBeNull();
    const request = {
      runId: 'idle', task: 'probe', attempt: 1, kind: 'run', dependencies: {}, baseDir: null,
      symbol: { name: 'probe', type: 'query', context: 'wordpress', dispatch: 'php_engine', parameters: { operation: 'probe' }, timeout: 30_000 },
    };
    engine.stdin.write(`${JSON.stringify({ id: 'after-quiet', request })}\n`);
    await engine.stdin.flush();
    const reader = engine.stdout.getReader();
    const first = await Promise.race([reader.read(), Bun.sleep(10_000).then(() => ({ done: true, value: undefined }))]);
    const answer = JSON.parse(new TextDecoder().decode(first.value ?? new Uint8Array()).split('\n')[0] || 'null');
    expect(answer).toMatchObject({ id: 'after-quiet', ok: true, output: { probe: 'ok' } });
    reader.releaseLock();
    await engine.stdin.end();
    expect(await Promise.race([engine.exited, Bun.sleep(10_000).then(() => 'still running')])).toBe(0);
  } finally {
    engine.kill('SIGKILL');
  }
});
