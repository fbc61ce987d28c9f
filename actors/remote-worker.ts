import { systemClock, type Clock } from '../src/clock.ts';
import { ConfigError, serializeError } from '../src/errors.ts';
import type { ExecutionOutcome } from '../src/execution.ts';
import { attemptKey } from '../src/execution.ts';
import { Logger, type SwarmLogger } from '../src/logger.ts';
import type { DispatchTarget } from '../src/manifest/types.ts';
import {
  FrameBatcher,
  MessageTooLargeError,
  decodeFrame,
  WORKER_FEATURES,
  toDispatcher,
  workerNameProblem,
  type HeldAttempt,
  type Lease,
  type ToDispatcherMessage,
  type ToWorkerMessage,
} from '../src/protocol/index.ts';
import type { BackendSpec } from './backends/index.ts';
import type { HostServices } from './executor/thread-protocol.ts';
import { connectionRefusal } from './connection-refusal.ts';
import { LocalThreadNode } from './local-thread-node.ts';
import { ProcessBackendNode } from './process-backend-node.ts';
import { SilenceWatch } from './silence-watch.ts';

export interface RemoteWorkerOptions {
  /**
   * The dispatcher's WebSocket URL, e.g. ws://10.0.0.5:8080/workers, or several: the worker is
   * connected to one at a time and moves on to the next when it cannot reach the current one.
   */
  url: string | readonly string[];
  name: string;
  capabilities: DispatchTarget[];
  /** Attempts run at once (`[worker] max_concurrent_tasks`). */
  capacity: number;
  /** Worker threads for internal operations (default: min(capacity, 2)). */
  threads?: number;
  /** External backends this worker runs (healthy ones; their targets belong in `capabilities`). */
  backends?: readonly BackendSpec[];
  token?: string;
  heartbeatIntervalMs: number;
  /**
   * How long the dispatcher may send nothing at all (no message, no answer to a ping) before the
   * worker counts it gone and moves to the next one named (`[coordinator] heartbeat_timeout`;
   * default three heartbeat intervals). With one dispatcher named it waits for it, saying so.
   */
  silenceMs?: number;
  /** Largest frame this worker sends or accepts (`[security] max_message_size`). */
  maxMessageSize: number;
  reconnect?: { baseMs: number; maxMs: number };
  /** How long a stopping worker waits for the dispatcher to take its last outcomes (default 5 s). */
  ackWaitMs?: number;
  clock?: Clock;
  random?: () => number;
  logger?: SwarmLogger;
}

interface Held {
  lease: Lease;
  /** The dispatcher that assigned it: only that one can take its outcome. */
  url: string;
  /**
   * Set once the attempt ended. Kept until the dispatcher answers `accepted` or `refused`:
   * an outcome sent just as a connection dies is sent again after the reconnect.
   */
  outcome?: ExecutionOutcome;
}

/**
 * The worker end of the swarm: connects to the dispatcher, registers (name, capabilities,
 * capacity, token), heartbeats, runs assigned attempts on its own thread pool and reports
 * them. When the dispatcher is unreachable it retries with capped exponential backoff and
 * jitter, and says so in its log; on reconnect it registers again and lists the attempts it
 * still holds, so an outcome computed while disconnected is delivered — and accepted if the
 * attempt is still current (the dispatcher's leases decide; a refused one is dropped).
 *
 * Given several dispatchers (dispatchers sharing one database), it is connected to one at a
 * time, so the protocol, leases and sessions stay those of one connection: after a connection
 * closes it tries the same dispatcher again, and each attempt that fails moves it on to the next
 * (round-robin). Registered with another dispatcher, it gives up the attempts the previous one
 * assigned: that dispatcher, or the one that took its runs over, runs them again.
 */
export class RemoteWorker {
  private readonly clock: Clock;
  private readonly log: SwarmLogger;
  private readonly node: LocalThreadNode;
  private readonly backendNode: ProcessBackendNode | null;
  private readonly held = new Map<string, Held>();
  private readonly pendingCalls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private socket: WebSocket | null = null;
  private out: FrameBatcher<ToDispatcherMessage> | null = null;
  private registered = false;
  private heartbeat: unknown = null;
  private reconnectTimer: unknown = null;
  private failures = 0;
  private nextCallId = 1;
  private stopping = false;
  private drained: (() => void) | null = null;
  private ackWait: unknown = null;
  /** Per dispatcher, the secret of its last `welcome`: the next `hello` there presents it to take over a connection that looks alive. */
  private readonly sessions = new Map<string, string>();
  private readonly urls: readonly string[];
  /** The dispatcher connected to, or tried next. */
  private at = 0;
  /** Whether the current connection's dispatcher still answers (see SilenceWatch). */
  private watch: SilenceWatch | null = null;

  /** Throws ConfigError when the name is one the dispatcher would refuse (see WORKER_NAME_PATTERN). */
  constructor(private readonly options: RemoteWorkerOptions) {
    const nameProblem = workerNameProblem(options.name);
    if (nameProblem) throw new ConfigError([{ key: 'worker.node_name', message: nameProblem }]);
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? Logger.get('worker');
    this.urls = typeof options.url === 'string' ? [options.url] : [...options.url];
    if (this.urls.length === 0) throw new ConfigError([{ key: 'worker.dispatcher_url', message: 'name at least one dispatcher' }]);
    this.node = new LocalThreadNode({
      id: options.name,
      threads: options.threads ?? Math.min(options.capacity, 2),
      tasksPerThread: Math.ceil(options.capacity / (options.threads ?? Math.min(options.capacity, 2))),
      host: this.hostServices(),
      clock: this.clock,
      onCapacity: () => {},
      // It stops offering `internal`, so the dispatcher sends that work to other workers.
      onBroken: (error) => {
        this.log.error({ err: error }, error.message);
        this.send(toDispatcher.capabilities([...this.capabilities]));
      },
    });
    this.backendNode =
      options.backends && options.backends.length > 0
        ? new ProcessBackendNode({
            id: `${options.name}-backends`,
            backends: options.backends,
            capacity: options.capacity,
            clock: this.clock,
            onCapacity: () => {},
            log: this.log,
            onCapabilitiesChanged: () => this.send(toDispatcher.capabilities([...this.capabilities])),
          })
        : null;
  }

  /** Connects (and keeps reconnecting until stop()). */
  start(): void {
    this.connect();
  }

  /** What it offers now: `internal`, and the backends that pass their health check. */
  get capabilities(): readonly DispatchTarget[] {
    return this.options.capabilities.filter((c) => (c === 'internal' ? !this.node.isBroken : (this.backendNode?.capabilities.has(c) ?? false)));
  }

  /** Whether the dispatcher has accepted this worker on the current connection. */
  get connected(): boolean {
    return this.registered;
  }

  /**
   * Drains: takes no new attempt, finishes the running ones and waits until the dispatcher has
   * taken their outcomes (or the connection is gone), then disconnects.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.send(toDispatcher.draining());
    await new Promise<void>((resolve) => {
      this.drained = resolve;
      this.checkDrained();
    });
    this.warnUndelivered();
    this.out?.flush();
    if (this.reconnectTimer !== null) this.clock.clearTimeout(this.reconnectTimer);
    this.stopHeartbeat();
    this.watch?.stop();
    this.socket?.close(1000, 'worker stopped');
    await Promise.all([this.node.close(), this.backendNode?.close()]);
  }

  /**
   * Drained with outcomes the dispatcher never took (its connection gone, or no `accepted` within
   * ackWaitMs): their attempts will run again wherever the run goes on, and the log must say so
   * rather than end as if every result had been reported.
   */
  private warnUndelivered(): void {
    const undelivered = [...this.held].filter(([, h]) => h.outcome !== undefined).map(([key]) => key);
    if (undelivered.length === 0) return;
    const n = undelivered.length;
    const why = this.registered ? `the dispatcher did not confirm taking ${n === 1 ? 'it' : 'them'} in time` : 'the connection to the dispatcher is gone';
    this.log.warn(
      { url: this.url, undelivered },
      `${n} result${n === 1 ? ' was' : 's were'} not delivered (${why}): ${undelivered.join(', ')}; ` +
        `whoever takes the run up (the dispatcher, restarted, or another on its database) runs them again`,
    );
  }

  /** The dispatcher connected to (or tried next). */
  get url(): string {
    return this.urls[this.at];
  }

  private connect(): void {
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const url = this.url;
    const socket = new WebSocket(url, { headers } as never);
    this.socket = socket;
    this.watch?.stop();
    // Started before the socket opens: a frozen dispatcher's kernel still accepts the connection, and the upgrade is never answered.
    const watch = new SilenceWatch({
      clock: this.clock,
      now: () => performance.now(),
      limitMs: this.options.silenceMs ?? 3 * this.options.heartbeatIntervalMs,
      onSilent: (silentForMs) => this.onSilent(socket, opened, silentForMs),
      onHeardAgain: () => this.log.info({ url }, 'the dispatcher answers again'),
    });
    this.watch = watch;
    this.out = this.batcherFor(socket, this.options.maxMessageSize);
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      watch.heard();
      const resume: HeldAttempt[] = [...this.held].filter(([, h]) => h.url === url).map(([key, h]) => ({ key, lease: h.lease }));
      const session = this.sessions.get(url);
      const slots = this.backendNode?.slotsBelowCapacity();
      this.send(
        toDispatcher.hello({
          name: this.options.name,
          capabilities: [...this.capabilities],
          capacity: this.options.capacity,
          ...(this.options.token ? { token: this.options.token } : {}),
          ...(session !== undefined ? { session } : {}),
          ...(resume.length > 0 ? { resume } : {}),
          features: [...WORKER_FEATURES],
          maxMessageSize: this.options.maxMessageSize,
          ...(slots && { slots }),
        }),
      );
    });
    socket.addEventListener('message', (event) => {
      watch.heard();
      this.onFrame(event.data as string);
    });
    socket.addEventListener('pong', () => watch.heard());
    socket.addEventListener('close', () => this.onClose(socket, opened));
    socket.addEventListener('error', () => {}); // 'close' follows and handles it
  }

  private batcherFor(socket: WebSocket, maxFrameBytes: number): FrameBatcher<ToDispatcherMessage> {
    return new FrameBatcher<ToDispatcherMessage>({ send: (frame) => socket.readyState === WebSocket.OPEN && socket.send(frame), maxFrameBytes });
  }

  private onFrame(data: string): void {
    const decoded = decodeFrame(data, 'toWorker', { maxBytes: this.options.maxMessageSize });
    if (!decoded.ok) {
      this.log.warn({ code: decoded.error.code }, `ignored a frame from the dispatcher: ${decoded.error.message}`);
      return;
    }
    for (const message of decoded.messages) this.onMessage(message);
  }

  private onMessage(message: ToWorkerMessage): void {
    switch (message.type) {
      case 'welcome': {
        const url = this.url;
        this.registered = true;
        this.failures = 0;
        this.sessions.set(url, message.session);
        // Frames must fit the dispatcher's limit too, which closes the connection on one over it
        // (and the outcome in it would be sent again at every reconnect): the smaller one rules.
        if (message.maxMessageSize < this.options.maxMessageSize && this.socket) {
          this.out?.flush();
          this.out = this.batcherFor(this.socket, message.maxMessageSize);
        }
        this.log.info({ nodeId: message.nodeId, ...(this.urls.length > 1 && { url }) }, 'registered with the dispatcher');
        this.startHeartbeat(message.heartbeatInterval);
        for (const [key, h] of this.held) {
          if (h.url !== url) {
            // Another dispatcher's attempt: no one here can take its outcome.
            this.node.abort(key, 'the worker moved to another dispatcher');
            this.backendNode?.abort(key, 'the worker moved to another dispatcher');
            this.held.delete(key);
          } else if (h.outcome) {
            // Finished while disconnected: delivered now (the dispatcher fences them).
            this.send(toDispatcher.outcome(key, h.lease, h.outcome));
          }
        }
        return;
      }
      case 'assign':
        return this.run(message.lease, message.request);
      case 'abort':
        this.node.abort(message.key, message.reason);
        this.backendNode?.abort(message.key, message.reason);
        return;
      case 'withdraw':
        // Only the threads hold work ahead; a backend node starts whatever it is given.
        this.node.giveBack();
        return;
      case 'accepted':
        this.forget(message.key, message.lease);
        return;
      case 'refused':
        this.log.warn({ key: message.key }, `the dispatcher refused a result: ${message.reason}`);
        this.forget(message.key, message.lease);
        return;
      case 'state.result':
        this.pendingCalls.get(message.id)?.resolve(message.value);
        this.pendingCalls.delete(message.id);
        return;
      case 'state.error':
        this.pendingCalls.get(message.id)?.reject(Object.assign(new Error(message.error.message), message.error));
        this.pendingCalls.delete(message.id);
        return;
      case 'error':
        this.log.error({ code: message.code }, `the dispatcher reported: ${message.message}`);
        return;
      case 'shutdown':
        this.log.info({ graceMs: message.graceMs }, 'the dispatcher is stopping');
        return;
    }
  }

  private run(lease: Lease, request: Parameters<LocalThreadNode['execute']>[0]): void {
    const key = attemptKey(request);
    this.held.set(key, { lease, url: this.url });
    // The dispatcher assigns only what this worker advertised; the backend node answers
    // anything else with an error rather than running it.
    const node = request.symbol.dispatch === 'internal' || !this.backendNode ? this.node : this.backendNode;
    node.execute(request, {
      started: () => this.send(toDispatcher.started(key, lease)),
      finished: (outcome) => {
        const h = this.held.get(key);
        if (!h || h.lease !== lease) return;
        h.outcome = outcome;
        this.deliver(key, lease, outcome);
      },
      returned: () => {
        if (this.held.get(key)?.lease !== lease) return;
        this.held.delete(key);
        this.send(toDispatcher.returned(key, lease));
        this.checkDrained();
      },
    });
  }

  private deliver(key: string, lease: Lease, outcome: ExecutionOutcome): void {
    this.checkDrained();
    if (!this.registered) return; // kept in `held`; sent after the next welcome
    try {
      this.out?.push(toDispatcher.outcome(key, lease, outcome));
    } catch (err) {
      if (!(err instanceof MessageTooLargeError)) throw err;
      // An output too big for a frame must not be lost silently: report it as the failure.
      const failure: ExecutionOutcome = { ok: false, retryable: false, error: serializeError(err) };
      const held = this.held.get(key);
      if (held?.lease === lease) held.outcome = failure;
      this.out?.push(toDispatcher.outcome(key, lease, failure));
    }
  }

  private forget(key: string, lease: Lease): void {
    if (this.held.get(key)?.lease === lease) this.held.delete(key);
    this.checkDrained();
  }

  /** A stopping worker is done once every attempt has ended and was taken, or cannot be delivered. */
  private checkDrained(): void {
    const drained = this.drained;
    if (!drained) return;
    for (const h of this.held.values()) if (!h.outcome) return;
    if (this.held.size === 0 || !this.registered) {
      if (this.ackWait !== null) this.clock.clearTimeout(this.ackWait);
      drained();
      return;
    }
    // Every attempt ended; a dispatcher that never answers must not keep the worker forever.
    this.ackWait ??= this.clock.setTimeout(drained, this.options.ackWaitMs ?? 5_000);
  }

  private send(message: ToDispatcherMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.out?.push(message);
  }

  /**
   * The dispatcher has sent nothing for `silentForMs`: frozen, or cut off with the connection
   * still up. With another dispatcher named the worker moves to it, as after a close (the
   * attempts this one assigned are given up once the next one welcomes it); with one, or while
   * draining (its outcomes are for this one), it waits.
   */
  private onSilent(socket: WebSocket, opened: boolean, silentForMs: number): void {
    if (socket !== this.socket) return;
    if (this.urls.length === 1 || this.stopping) {
      const ms = Math.round(silentForMs);
      this.log.warn({ url: this.url, silentForMs: ms }, `the dispatcher has sent nothing for ${ms} ms, not even the answer to a ping; waiting for it`);
      return;
    }
    socket.terminate();
    this.onClose(socket, opened, silentForMs);
  }

  private onClose(socket: WebSocket, opened: boolean, silentForMs?: number): void {
    if (socket !== this.socket) return;
    // Once handled, a socket given up for its silence closes later: that must not count again.
    this.socket = null;
    this.watch?.stop();
    this.registered = false;
    this.stopHeartbeat();
    for (const call of this.pendingCalls.values()) call.reject(new Error('the dispatcher connection closed'));
    this.pendingCalls.clear();
    if (this.stopping) return this.checkDrained();
    const url = this.url;
    // A dispatcher that could not be reached, or went silent: the next one is tried (a closed
    // connection to a reachable one is tried again first: most closes are a blip).
    if (!opened || silentForMs !== undefined) this.at = (this.at + 1) % this.urls.length;
    const { baseMs, maxMs } = this.options.reconnect ?? { baseMs: 500, maxMs: 30_000 };
    const ceiling = Math.min(maxMs, baseMs * 2 ** this.failures++);
    const delay = Math.round(ceiling / 2 + ((this.options.random ?? Math.random)() * ceiling) / 2);
    this.reconnectTimer = this.clock.setTimeout(() => this.connect(), delay);
    const fields = { url, retryInMs: delay, ...(this.urls.length > 1 && { next: this.url }) };
    if (silentForMs !== undefined) {
      const ms = Math.round(silentForMs);
      this.log.warn({ ...fields, silentForMs: ms }, `the dispatcher has sent nothing for ${ms} ms, not even the answer to a ping (stopped, or cut off); moving to the next`);
      return;
    }
    if (opened) {
      this.log.warn(fields, 'the connection to the dispatcher closed; reconnecting');
      return;
    }
    void connectionRefusal(url, this.options.token).then((refusal) => {
      if (this.stopping) return;
      if (refusal) this.log.error(fields, `${refusal}; retrying`);
      else this.log.warn(fields, 'the dispatcher is unreachable; retrying');
    });
  }

  /** Beats every `[worker] heartbeat_interval`, or faster if the dispatcher asks for it. */
  private startHeartbeat(askedMs: number): void {
    this.stopHeartbeat();
    const every = Math.min(askedMs, this.options.heartbeatIntervalMs);
    const beat = () => {
      this.send(toDispatcher.heartbeat(this.held.size, this.backendNode?.enginePools()));
      // A heartbeat gets no answer; a ping gets a pong from the dispatcher's event loop (see SilenceWatch).
      if (this.socket?.readyState === WebSocket.OPEN) this.socket.ping();
      this.heartbeat = this.clock.setTimeout(beat, every);
    };
    this.heartbeat = this.clock.setTimeout(beat, every);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) this.clock.clearTimeout(this.heartbeat);
    this.heartbeat = null;
  }

  /** State and log calls of the worker's tasks go to the dispatcher, which owns the state table. */
  private hostServices(): HostServices {
    const call = (message: (id: number) => ToDispatcherMessage) =>
      new Promise<unknown>((resolve, reject) => {
        if (!this.registered) return reject(new Error('not connected to the dispatcher; the state table is there'));
        const id = this.nextCallId++;
        this.pendingCalls.set(id, { resolve, reject });
        this.send(message(id));
      });
    return {
      stateGet: (key, attempt) => call((id) => toDispatcher.stateGet(id, key, attempt)),
      stateSet: (key, value, attempt) => call((id) => toDispatcher.stateSet(id, key, value, attempt)),
      log: (level, message, fields, attempt) => this.send(toDispatcher.log(level, message, fields, attempt)),
    };
  }
}
