/**
 * The piscina worker entry: a thin shell around executeRequest. See thread-protocol.ts for
 * why each thread serves one long call on a port of its own.
 */
import { attemptKey, type ExecutionOutcome, type ExecutionRequest } from '../../src/execution.ts';
import { cancelled } from '../backends/backend-outcome.ts';
import { executeRequest } from './execute-request.ts';
import { wrapHost } from './host-channel.ts';
import { IdleSpin } from './idle-spin.ts';
import {
  decodeThreadMessage,
  encodeThreadMessage,
  type HostServices,
  type MainToThreadMessage,
  type ServeCall,
  type ThreadReport,
} from './thread-protocol.ts';

/** Host-service proxies by channel name: a thread serves one pool, but a new call must not reopen it. */
const hosts = new Map<string, HostServices>();

function hostFor(channel: string): HostServices {
  let host = hosts.get(channel);
  if (!host) {
    host = wrapHost(new BroadcastChannel(channel));
    hosts.set(channel, host);
  }
  return host;
}

function abortError(reason: string): Error {
  return Object.assign(new Error(reason), { name: 'AbortError' });
}

export default function serve(call: ServeCall): Promise<void> {
  const { port, concurrency } = call;
  const host = hostFor(call.channel);
  const waiting: { request: ExecutionRequest; slot: number }[] = [];
  const begun = new Int32Array(call.begun);
  const running = new Map<string, AbortController>();
  let report: ThreadReport = { started: [], outcomes: [], returned: [] };
  let reportQueued = false;
  let closing = false;
  let done: () => void = () => {};
  const spin = new IdleSpin(call.posted);

  /** Posts what there is to report, if anything. */
  const post = () => {
    if (report.started.length + report.outcomes.length + report.returned.length === 0) return;
    const out = report;
    report = { started: [], outcomes: [], returned: [] };
    port.postMessage(encodeThreadMessage(out));
    spin.reported();
  };
  // Starts reported before user code runs (see OperationContext.reportNow): only those of the
  // requests about to run it. Others started in this turn stay in the turn's report, so that if
  // user code never yields and the thread is terminated, they count as never started and run
  // elsewhere instead of failing with it.
  const earlyKeys = new Set<string>();
  let earlyQueued = false;
  const postEarly = () => {
    earlyQueued = false;
    const started = report.started.filter((key) => earlyKeys.has(key));
    earlyKeys.clear();
    if (started.length === 0) return;
    report.started = report.started.filter((key) => !started.includes(key));
    port.postMessage(encodeThreadMessage({ started, outcomes: [], returned: [], early: true }));
    spin.reported();
  };
  const earlyFor = (key: string, slot: number) => ({
    began: () => {
      if (slot >= 0) Atomics.store(begun, slot, 1);
    },
    now: () => {
      earlyKeys.add(key);
      postEarly();
    },
    soon: () => {
      earlyKeys.add(key);
      if (earlyQueued) return;
      earlyQueued = true;
      queueMicrotask(postEarly);
    },
  });
  // setImmediate, not a microtask: a quick request (noop, echo) finishes within the turn it
  // started in, so its start and its outcome share one message. (A request about to run user
  // code has its start sent earlier, above.)
  const send = () => {
    reportQueued = false;
    post();
    if (running.size > 0 || waiting.length > 0) return;
    if (closing) done();
    else spin.idle();
  };
  const queueReport = () => {
    if (reportQueued) return;
    reportQueued = true;
    setImmediate(send);
  };
  // An empty report first: the thread is serving, so a death from now on is not a failed start
  // (see ThreadRestarts).
  port.postMessage(encodeThreadMessage(report));
  spin.reported();
  report = { started: [], outcomes: [], returned: [] };
  const finish = (key: string, outcome: ExecutionOutcome) => {
    report.outcomes.push({ key, outcome });
    queueReport();
  };
  const start = ({ request, slot }: { request: ExecutionRequest; slot: number }) => {
    const key = attemptKey(request);
    const controller = new AbortController();
    running.set(key, controller);
    report.started.push(key);
    queueReport();
    void executeRequest(request, controller.signal, host, earlyFor(key, slot)).then((outcome) => {
      running.delete(key);
      finish(key, outcome);
      fill();
    });
  };
  const fill = () => {
    while (running.size < concurrency && waiting.length > 0) start(waiting.shift()!);
    if (closing && running.size === 0 && waiting.length === 0 && !reportQueued) done();
  };

  port.on('message', (text: string) => {
    spin.onMessage();
    const message = decodeThreadMessage<MainToThreadMessage>(text);
    switch (message.type) {
      case 'run':
        message.requests.forEach((request, i) => waiting.push({ request, slot: message.slots[i] ?? -1 }));
        fill();
        break;
      case 'abort': {
        const controller = running.get(message.key);
        if (controller) {
          controller.abort(abortError(message.reason));
          break;
        }
        const index = waiting.findIndex((w) => attemptKey(w.request) === message.key);
        if (index < 0) break; // already reported
        waiting.splice(index, 1);
        finish(message.key, cancelled(message.reason));
        break;
      }
      case 'withdraw':
        for (const { request } of waiting.splice(0)) report.returned.push(attemptKey(request));
        queueReport();
        break;
      case 'close':
        closing = true;
        fill();
        break;
    }
  });

  return new Promise<void>((resolve) => {
    done = () => {
      port.close();
      resolve();
    };
  });
}
