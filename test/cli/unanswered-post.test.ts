import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { DispatcherClient } from '../../src/cli/dispatcher-client.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { DISPATCHER_ANSWER_FORMAT, DISPATCHER_ANSWER_HEADER } from '../../src/dispatcher-answer.ts';
import { SwarmError } from '../../src/errors.ts';
import { killDispatchers, startDispatcher, type DispatcherProcess } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, swarmJson, writeManifest } from './helpers.ts';
import { pollUntil } from './worker-process.ts';

/**
 * A deploy (replay, rollback) that a dispatcher may have received but did not answer is never
 * sent again, to it or to another: one `swarm deploy` makes at most one run. Only a dispatcher
 * that cannot have read it (nothing answers its address, or it did not answer a probe before
 * the request was sent) or one that refused it (503) is passed over. Real dispatcher processes
 * on one SQLite file, one of them frozen with SIGSTOP; and stand-in servers for the answers a
 * frozen process cannot be timed to give.
 */
setDefaultTimeout(60_000);

const stopped: DispatcherProcess[] = [];
const servers: ReturnType<typeof Bun.serve>[] = [];
const rawServers: Server[] = [];
afterEach(async () => {
  for (const d of stopped.splice(0)) d.child.kill('SIGCONT'); // a stopped process cannot die of SIGKILL
  for (const s of servers.splice(0)) s.stop(true);
  for (const s of rawServers.splice(0)) s.close();
  await killDispatchers();
  removeTempDirs();
});

const ONE = `name: one
symbols:
  - {name: only, type: action, parameters: {operation: noop}}
`;

const MARK = `name: mark
symbols:
  - {name: only, type: action, parameters: {operation: noop}}
`;

/** Runs of `workflow` in the shared database, as a dispatcher lists them. */
async function runsOf(url: string, workflow: string): Promise<string[]> {
  const page = (await (await fetch(`${url}/api/runs?limit=0`)).json()) as { runs: { runId: string; name: string }[] };
  return page.runs.filter((r) => r.name === workflow).map((r) => r.runId);
}

/**
 * Lets a frozen dispatcher go on and waits until it has dealt with whatever it had been sent
 * while frozen: a deploy sent to it now is read after those, and manifests are read one at a
 * time in the order they came, so once this one is accepted a buffered deploy would have made
 * its run too.
 */
async function thaw(d: DispatcherProcess, config: string, dir: string): Promise<void> {
  d.child.kill('SIGCONT');
  stopped.splice(stopped.indexOf(d), 1);
  const marked = await swarmJson(['deploy', writeManifest(dir, 'mark.yaml', MARK), config, '--url', d.url, '--detach']);
  expect(marked.code).toBe(0);
}

describe('a deploy that may have been received is not sent again', () => {
  test('a frozen first dispatcher of --url a,b: the deploy goes to the second only, and the first makes no run of it when it goes on', async () => {
    const { dir, config, db } = sandbox();
    const a = await startDispatcher(config, ['--db', db]);
    const b = await startDispatcher(config, ['--db', db]);
    a.child.kill('SIGSTOP');
    stopped.push(a);

    const deployed = await swarmJson(['deploy', writeManifest(dir, 'one.yaml', ONE), config, '--url', `${a.url},${b.url}`, '--detach']);
    expect(deployed.code).toBe(0);
    const runId = deployed.json.runId as string;
    await pollUntil(async () => ((await runsOf(b.url, 'one')).includes(runId) ? true : undefined), 10_000, 'the run on the second dispatcher');

    await thaw(a, config, dir);
    expect(await runsOf(b.url, 'one')).toEqual([runId]);
    expect(await runsOf(a.url, 'one')).toEqual([runId]);
  });

  test('a frozen lone dispatcher: exit 3 saying nothing was sent, and it makes no run when it goes on', async () => {
    const { dir, config, db } = sandbox();
    const a = await startDispatcher(config, ['--db', db]);
    a.child.kill('SIGSTOP');
    stopped.push(a);

    const deployed = await swarmJson(['deploy', writeManifest(dir, 'one.yaml', ONE), config, '--url', a.url, '--detach']);
    expect(deployed.code).toBe(3);
    expect(deployed.json.error.code).toBe('DISPATCHER_UNREACHABLE');
    expect(deployed.json.error.message).toContain(`no dispatcher answered at ${a.url}`);

    await thaw(a, config, dir);
    expect(await runsOf(a.url, 'one')).toEqual([]);
  });
});

/** A stand-in dispatcher: answers /health as one does, and POSTs as `post` says (never, by default). */
function standIn(post: (req: Request) => Response | Promise<Response> = () => new Promise<Response>(() => {})) {
  const posts: string[] = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      if (req.method === 'POST') {
        posts.push(new URL(req.url).pathname);
        return post(req);
      }
      return Response.json({ status: 'ok' }, { headers: { [DISPATCHER_ANSWER_HEADER]: DISPATCHER_ANSWER_FORMAT } });
    },
  });
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}`, posts };
}

const answered = (status: number, body: unknown) => Response.json(body, { status, headers: { [DISPATCHER_ANSWER_HEADER]: DISPATCHER_ANSWER_FORMAT } });

describe('DispatcherClient: a POST that may have been received', () => {
  const config = validateConfig({}).config;

  test('sent but unanswered (a dispatcher that froze after its probe): not sent on; the outcome is unknown, and how to check is said', async () => {
    const silent = standIn();
    const other = standIn(() => answered(201, { runId: 'r-other' }));
    const client = new DispatcherClient([silent.url, other.url], config, 300);
    const error = await client.post('/api/runs', { source: ONE, format: 'yaml' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SwarmError);
    expect((error as SwarmError).code).toBe('OUTCOME_UNKNOWN');
    expect((error as SwarmError).message).toContain(silent.url);
    expect((error as SwarmError).message).toContain('swarm runs');
    expect(silent.posts).toEqual(['/api/runs']);
    expect(other.posts).toEqual([]);
  });

  test('a connection cut after the request was sent is unknown too; so is an answer without the dispatcher header (a proxy giving up)', async () => {
    // Answers the probe as a dispatcher does, then closes the connection under the POST.
    const posts: string[] = [];
    const cut = createServer((socket) => {
      socket.on('data', (chunk) => {
        const text = chunk.toString();
        if (text.startsWith('POST')) {
          posts.push(text.split(' ')[1]);
          socket.destroy();
          return;
        }
        const body = '{"status":"ok"}';
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${DISPATCHER_ANSWER_HEADER}: ${DISPATCHER_ANSWER_FORMAT}\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      });
    });
    rawServers.push(cut);
    await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
    const cutUrl = `http://127.0.0.1:${(cut.address() as { port: number }).port}`;
    const proxy = standIn(() => new Response('Gateway Timeout', { status: 504 }));
    const other = standIn(() => answered(201, { runId: 'r-other' }));
    for (const first of [cutUrl, proxy.url]) {
      const client = new DispatcherClient([first, other.url], config, 2_000);
      const error = await client.post('/api/runs/r1/replay', {}).catch((e: unknown) => e);
      expect((error as SwarmError).code).toBe('OUTCOME_UNKNOWN');
      expect((error as SwarmError).message).toContain(first);
    }
    expect(posts).toEqual(['/api/runs/r1/replay']);
    expect(proxy.posts).toEqual(['/api/runs/r1/replay']);
    expect(other.posts).toEqual([]);
  });

  test('refused (503) and nothing listening are passed over; an idempotent control POST is still repeated past a silent one', async () => {
    const stopping = standIn(() => answered(503, { error: { name: 'SwarmError', code: 'DISPATCHER_STOPPING', message: 'stopping' } }));
    const other = standIn(() => answered(201, { runId: 'r-other' }));
    const client = new DispatcherClient(['http://127.0.0.1:1', stopping.url, other.url], config, 300);
    expect(await client.post<{ runId: string }>('/api/runs', {})).toEqual({ runId: 'r-other' });
    expect(stopping.posts).toEqual(['/api/runs']);

    const silent = standIn();
    const host = standIn(() => answered(202, { runId: 'r1', status: 'cancelling' }));
    const control = new DispatcherClient([silent.url, host.url], config, 300);
    expect(await control.post('/api/runs/r1/cancel', {}, { repeatable: true })).toEqual({ runId: 'r1', status: 'cancelling' });
  });
});
