import type { EnginePoolReport } from '../../src/protocol/messages.ts';
import type { ExecutionOutcome, ExecutionRequest } from '../../src/execution.ts';
import type { SwarmLogger } from '../../src/logger.ts';
import { serveCommand, type BackendSpec, type EngineSettings } from './backend-command.ts';
import { inheritedEnv } from './backend-env.ts';
import { cancelled } from './backend-outcome.ts';
import { replyOutcome } from './engine-outcome.ts';
import { labelOf, scriptUnavailable, spawnFailed } from './process-runner.ts';
import { DEFAULT_KILL_GRACE_MS } from './process-group.ts';
import { WarmEngine, type EngineReply } from './warm-engine.ts';

/**
 * A pool as `status` and /metrics show it (the shape a worker's heartbeat carries, defined with
 * the protocol). Counts of ended engines are since the node started; `recycled` counts what the
 * pool ended (max_requests, max_memory, the engine's own request, a timeout, a cancel, a bad
 * answer, a failed check), `crashed` what ended on its own.
 */
export type EnginePoolStats = EnginePoolReport;

export interface EnginePoolOptions {
  spec: BackendSpec & { persistent: EngineSettings };
  /** The most engines at once: pool_size, else the node's slots. */
  size: number;
  killGraceMs?: number;
  /** Where the allowlisted variables are read from (default `process.env`). */
  parentEnv?: Record<string, string | undefined>;
  log?: SwarmLogger;
}

/**
 * The warm engines of one backend on one node (`mode = "persistent"`). Each attempt goes to an
 * idle engine, or to a new one while fewer than `size` run, or waits for one to be free; an
 * engine serves one request at a time. An engine is replaced — ended with its process group
 * and started afresh on demand — after `max_requests` answers, when its memory report passes
 * `max_memory`, when it asks to be (`recycle`), after a bad or oversized answer, a timeout or a
 * cancel, and when its backend fails its health check; one that dies fails only the attempt it
 * was serving (retryable). `close` ends them all.
 */
export class EnginePool {
  private readonly idle: WarmEngine[] = [];
  private readonly all = new Set<WarmEngine>();
  private readonly busy = new Set<WarmEngine>();
  /** Engines the pool itself ended (so their end is not counted as a crash). */
  private readonly ending = new WeakSet<WarmEngine>();
  private readonly waiting: Array<() => void> = [];
  private recycled = 0;
  private crashed = 0;
  private started = 0;
  private closed = false;

  constructor(private readonly options: EnginePoolOptions) {}

  /** The most engines this pool runs at once (`pool_size`). */
  get size(): number {
    return this.options.size;
  }

  /** Runs one attempt on a warm engine; never throws. */
  async run(request: ExecutionRequest, signal: AbortSignal): Promise<ExecutionOutcome> {
    const { spec } = this.options;
    if (signal.aborted) return cancelled(signal.reason);
    const scriptFault = scriptUnavailable(spec);
    if (scriptFault) return scriptFault;
    const engine = await this.acquire(signal);
    if (engine === 'aborted') return cancelled(signal.reason);
    if ('error' in engine) return spawnFailed(spec, serveCommand(spec).args, engine.error);

    const timeoutMs = Math.min(request.symbol.timeout, spec.timeoutMs);
    const reply = await engine.ask(request, timeoutMs, signal);
    this.release(engine, reply);
    return replyOutcome(reply, {
      label: labelOf(spec),
      engine: `engine ${engine.name} (pid ${engine.pid})`,
      symbol: request.symbol.name,
      timeoutMs,
      timeoutBound: request.symbol.timeout <= spec.timeoutMs ? `the symbol's \`timeout\`` : `backends.${spec.target}.timeout`,
      limitKey: `backends.${spec.target}.max_output_size`,
      limit: spec.maxOutputBytes,
      abortReason: signal.reason,
    });
  }

  stats(): EnginePoolStats {
    return {
      backend: this.options.spec.target,
      size: this.options.size,
      engines: this.all.size,
      busy: this.busy.size,
      recycled: this.recycled,
      crashed: this.crashed,
    };
  }

  /** The backend failed its health check: its idle engines are ended (busy ones after their answer). */
  recycleIdle(why: string): void {
    for (const engine of this.idle.splice(0)) this.retire(engine, why);
  }

  /** Ends every engine (running requests have finished: the node waits for them first). */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    const engines = [...this.all];
    for (const engine of engines) this.ending.add(engine);
    await Promise.all(engines.map((engine) => (this.busy.has(engine) ? engine.kill() : engine.stop())));
  }

  private async acquire(signal: AbortSignal): Promise<WarmEngine | { error: NodeJS.ErrnoException } | 'aborted'> {
    for (;;) {
      if (signal.aborted || this.closed) return 'aborted';
      const engine = this.idle.pop();
      if (engine) {
        if (!engine.running) continue; // ended while idle; its end was counted
        this.busy.add(engine);
        return engine;
      }
      if (this.all.size < this.options.size) {
        const started = this.startEngine();
        if (!('error' in started)) this.busy.add(started);
        return started;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          const at = this.waiting.indexOf(wake);
          if (at >= 0) this.waiting.splice(at, 1);
          resolve();
        };
        this.waiting.push(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private startEngine(): WarmEngine | { error: NodeJS.ErrnoException } {
    const { spec } = this.options;
    const name = `${spec.target}-${++this.started}`;
    const engine = WarmEngine.start(
      {
        command: serveCommand(spec),
        // No SWARM_RUN_ID, SWARM_ATTEMPT, SWARM_SYMBOL: an engine serves many attempts, and each
        // request carries its own run, attempt and symbol.
        env: inheritedEnv(this.options.parentEnv),
        maxOutputBytes: spec.maxOutputBytes,
        killGraceMs: this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
        onEnded: (ended) => this.onEnded(ended),
      },
      name,
    );
    if ('error' in engine) return engine;
    this.all.add(engine);
    this.options.log?.debug({ backend: spec.target, engine: name, pid: engine.pid }, `warm engine ${name} started`);
    return engine;
  }

  /** Back to idle, or replaced, depending on how the request ended and the engine's counts. */
  private release(engine: WarmEngine, reply: EngineReply): void {
    this.busy.delete(engine);
    const why = this.recycleReason(engine, reply);
    if (why === 'crashed') {
      // onEnded counts it and wakes a waiter.
    } else if (why !== null) {
      this.retire(engine, why);
    } else if (this.closed) {
      this.ending.add(engine);
      void engine.stop();
    } else {
      this.idle.push(engine);
    }
    this.wakeOne();
  }

  private recycleReason(engine: WarmEngine, reply: EngineReply): string | 'crashed' | null {
    const { maxRequests, maxMemoryBytes } = this.options.spec.persistent;
    switch (reply.kind) {
      case 'exited':
        return 'crashed';
      case 'timeout':
      case 'aborted':
        return reply.kind === 'timeout' ? 'timed out (killed)' : 'cancelled (killed)';
      case 'too-large':
        return 'answer over max_output_size';
      case 'protocol':
        return `protocol error: ${reply.problem}`;
      case 'answer':
        if (engine.outOfStep !== null) return `protocol error: ${engine.outOfStep}`;
        if (!engine.running) return 'crashed';
        if (reply.answer.recycle) return 'it asked to be replaced';
        if (engine.requests >= maxRequests) return `max_requests (${maxRequests}) reached`;
        if (engine.memory !== undefined && engine.memory > maxMemoryBytes) {
          return `its memory (${engine.memory} bytes) is over max_memory (${maxMemoryBytes})`;
        }
        return null;
    }
  }

  private retire(engine: WarmEngine, why: string): void {
    if (this.ending.has(engine)) return;
    this.ending.add(engine);
    this.recycled++;
    // A protocol error is the backend's bug: said where it is seen, even when no attempt failed for it.
    const level = why.startsWith('protocol error') ? 'warn' : 'debug';
    this.options.log?.[level]({ backend: this.options.spec.target, engine: engine.name }, `warm engine ${engine.name} recycled: ${why}`);
    // Killed ones (timeout, cancel) are being ended already; kill() waits for that.
    void engine.stop();
  }

  private onEnded(engine: WarmEngine): void {
    this.all.delete(engine);
    this.busy.delete(engine);
    const at = this.idle.indexOf(engine);
    if (at >= 0) this.idle.splice(at, 1);
    if (!this.ending.has(engine) && engine.outOfStep !== null) {
      // Killed by its own protocol error while idle: replaced like one found during a request.
      this.recycled++;
      this.options.log?.warn(
        { backend: this.options.spec.target, engine: engine.name },
        `warm engine ${engine.name} (pid ${engine.pid}) broke the engine protocol between requests (${engine.outOfStep}); a new one starts when needed`,
      );
    } else if (!this.ending.has(engine)) {
      this.crashed++;
      this.options.log?.warn(
        { backend: this.options.spec.target, engine: engine.name },
        `warm engine ${engine.name} (pid ${engine.pid}) ended on its own; a new one starts when needed`,
      );
    }
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiting.shift()?.();
  }
}
