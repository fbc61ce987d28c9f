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
  /** Aborts that arrived before their request started here, by key, with when they came. */
  private readonly early = new Map<string, { reason: string; at: number }>();
  private outbox: ThreadToMainMessage['outcomes'] = [];

  constructor(name: string) {
    this.channel = new BroadcastChannel(name);
    this.host = Comlink.wrap<HostServices>(this.channel) as unknown as HostServices;
    this.channel.addEventListener('message', (event: { data: unknown }) => {
      const message = event.data as MainToThreadMessage;
      switch (message?.type) {
        case 'abort': {
          const controller = this.controllers.get(message.key);
          if (controller) controller.abort(abortError(message.reason));
          else this.rememberEarlyAbort(message.key, message.reason);
          break;
        }
      }
    });
  }

  /** A controller for a request that starts now, already aborted if an abort came first. */
  start(key: string): AbortController {
    const controller = new AbortController();
    const early = this.early.get(key);
    if (early) {
      this.early.delete(key);
      controller.abort(abortError(early.reason));
    }
    this.controllers.set(key, controller);
    return controller;
  }

  private rememberEarlyAbort(key: string, reason: string): void {
    // Every thread hears every abort, so most are for other threads' requests: keep them
    // briefly (the main thread re-posts while the attempt is still out) and forget old ones.
    const now = Date.now();
    for (const [k, v] of this.early) if (now - v.at > 10_000) this.early.delete(k);
    this.early.set(key, { reason, at: now });
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

function abortError(reason: string): Error {
  return Object.assign(new Error(reason), { name: 'AbortError' });
}

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
      const controller = ch.start(key);
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
