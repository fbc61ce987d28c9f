/**
 * The piscina worker entry: a thin shell around executeRequest. See thread-protocol.ts for
 * the batching and the channel.
 */
import * as Comlink from 'comlink';
import { attemptKey, type ExecutionOutcome } from '../../src/execution.ts';
import { executeRequest } from './execute-request.ts';
import type {
  BatchCall,
  BatchResult,
  HostServices,
  MainToThreadMessage,
  ThreadToMainMessage,
} from './thread-protocol.ts';

/** This thread's end of one pool channel. */
class ThreadChannel {
  readonly channel: BroadcastChannel;
  readonly host: HostServices;
  readonly controllers = new Map<string, AbortController>();
  private outbox: ThreadToMainMessage['outcomes'] = [];

  constructor(name: string) {
    this.channel = new BroadcastChannel(name);
    this.host = Comlink.wrap<HostServices>(this.channel) as unknown as HostServices;
    this.channel.addEventListener('message', (event: { data: unknown }) => {
      const message = event.data as MainToThreadMessage;
      switch (message?.type) {
        case 'abort': {
          const reason = Object.assign(new Error(message.reason), { name: 'AbortError' });
          this.controllers.get(message.key)?.abort(reason);
          break;
        }
      }
    });
  }

  report(key: string, outcome: ExecutionOutcome): void {
    this.outbox.push({ key, outcome });
    if (this.outbox.length > 1) return;
    queueMicrotask(() => {
      const message: ThreadToMainMessage = { type: 'outcomes', outcomes: this.outbox };
      this.outbox = [];
      this.channel.postMessage(message);
    });
  }
}

const channels = new Map<string, ThreadChannel>();

const nextTurn = () => new Promise<'later'>((resolve) => setImmediate(() => resolve('later')));

export default async function runBatch(call: BatchCall): Promise<BatchResult> {
  let channel = channels.get(call.channel);
  if (!channel) {
    channel = new ThreadChannel(call.channel);
    channels.set(call.channel, channel);
  }
  const ch = channel;
  const done: BatchResult['outcomes'] = [];
  let streaming = false;
  const all = Promise.all(
    call.requests.map(async (request) => {
      const key = attemptKey(request);
      const controller = new AbortController();
      ch.controllers.set(key, controller);
      const outcome = await executeRequest(request, controller.signal, ch.host);
      ch.controllers.delete(key);
      if (streaming) ch.report(key, outcome);
      else done.push({ key, outcome });
    }),
  );
  if ((await Promise.race([all.then(() => 'now' as const), nextTurn()])) === 'now') return { outcomes: done };
  streaming = true;
  for (const { key, outcome } of done) ch.report(key, outcome);
  await all;
  return { outcomes: [] };
}
