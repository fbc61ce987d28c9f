import type { ExecutionRequest } from '../../src/execution.ts';
import type { BackendCommand } from './backend-command.ts';
import { CappedOutput, type CapturedOutput } from './capped-output.ts';
import { LineReader } from './engine-output.ts';
import { parseAnswer, requestFrame, type EngineAnswer } from './engine-protocol.ts';
import { settlesWithin } from '../../src/clock.ts';
import { signalGroup, terminateGroup } from './process-group.ts';
import { ATTEMPT_MARKER, endStragglers, liveLeaders, startTicks } from './stragglers.ts';
import { becomeSubreaper } from './subreaper.ts';
import { truncated } from '../worker-input.ts';

/** How one request to a warm engine ended. */
export type EngineReply = { stderr: CapturedOutput } & (
  | { kind: 'answer'; answer: EngineAnswer }
  /** The answer's line passed max_output_size. */
  | { kind: 'too-large' }
  /** A line that is not an answer, or the answer to another request. */
  | { kind: 'protocol'; problem: string }
  /** The engine ended before it answered. */
  | { kind: 'exited'; exitCode: number | null; signalCode: string | null }
  | { kind: 'timeout' }
  | { kind: 'aborted' }
);

export interface WarmEngineOptions {
  command: BackendCommand;
  /** The allowlisted environment; the engine's marker is added. */
  env: Record<string, string>;
  /** The cap on one answer's line and on one request's stderr. */
  maxOutputBytes: number;
  killGraceMs: number;
  /** Told once the engine has ended and what it left running is gone (any cause). */
  onEnded: (engine: WarmEngine) => void;
}

interface Pending {
  id: string;
  resolve: (reply: EngineReply) => void;
}

const MAX_TIMER_MS = 2_147_483_647;
/** Characters of a stray line quoted in the log. */
const STRAY_LINE_SHOWN = 200;

/**
 * One engine process started with `--serve`, serving one request at a time over the framed
 * protocol (engine-protocol.ts). Like a process-mode attempt it is the leader of a process group
 * of its own (setsid) and carries a random SWARM_ATTEMPT_ID marker, here for its whole life:
 * when it ends — stopped, killed at a timeout, or crashed — its group is ended and whatever
 * carries its marker is found in /proc and ended too (stragglers.ts). While it lives its pid is
 * in `liveLeaders`, so no attempt's sweep takes it for a straggler.
 */
export class WarmEngine {
  readonly pid: number;
  /** Answers given so far. */
  requests = 0;
  /** The engine's last report of its own size, in bytes. */
  memory: number | undefined;
  /** Why it serves no more requests though it may still run (a line nobody asked for), or null. */
  outOfStep: string | null = null;
  /** Resolves once the engine has ended and its stragglers are gone. */
  readonly ended: Promise<void>;
  private alive = true;
  private pending: Pending | null = null;
  private nextId = 1;
  private readonly stdout: LineReader;
  /** Always read; the bytes since the last restart (the request being served) kept up to the cap. */
  private readonly stderr: CappedOutput;
  private readonly stdoutEnded: Promise<void>;

  private constructor(
    private readonly child: Bun.Subprocess<'pipe', 'pipe', 'pipe'>,
    private readonly options: WarmEngineOptions,
    readonly name: string,
    marker: string,
  ) {
    this.pid = child.pid;
    liveLeaders.add(child.pid);
    const since = startTicks(child.pid);
    this.stderr = new CappedOutput(child.stderr, options.maxOutputBytes);
    let stdoutEnd = () => {};
    this.stdoutEnded = new Promise<void>((resolve) => (stdoutEnd = resolve));
    this.stdout = new LineReader(child.stdout, options.maxOutputBytes, {
      line: (text) => this.onLine(text),
      tooLarge: () => this.settle({ kind: 'too-large' }),
      end: () => {
        stdoutEnd();
        void this.onStdoutEnd();
      },
    });
    this.ended = child.exited.then(async () => {
      this.alive = false;
      liveLeaders.delete(child.pid);
      // The group may outlive its leader (a child it forked); then whatever carries the marker.
      if (signalGroup(child.pid, 0)) await terminateGroup(child.pid, this.stdoutEnded, options.killGraceMs);
      await endStragglers(marker, options.killGraceMs, since);
      if (!(await settlesWithin(this.stdoutEnded, options.killGraceMs))) this.stdout.stop();
      // What it said before it died is the reason; read it to the end (bounded) before settling.
      if (!(await settlesWithin(this.stderr.done, options.killGraceMs))) this.stderr.stop();
      this.settle({ kind: 'exited', exitCode: child.exitCode, signalCode: signalName(child.signalCode) });
      options.onEnded(this);
    });
  }

  /** Starts an engine; the OS's refusal (ENOENT, EACCES…) is returned, not thrown. */
  static start(options: WarmEngineOptions, name: string): WarmEngine | { error: NodeJS.ErrnoException } {
    becomeSubreaper();
    const marker = crypto.randomUUID();
    try {
      const child = Bun.spawn({
        cmd: [options.command.file, ...options.command.args],
        env: { ...options.env, [ATTEMPT_MARKER]: marker },
        stdin: 'pipe',
        stdout: 'pipe',
        stderr: 'pipe',
        detached: true,
      });
      return new WarmEngine(child, options, name, marker);
    } catch (err) {
      return { error: err as NodeJS.ErrnoException };
    }
  }

  /** Alive and in step: it may be asked. */
  get running(): boolean {
    return this.alive && this.outOfStep === null;
  }

  /**
   * Sends one request and waits for its answer, the engine's end, `timeoutMs` or an abort of
   * `signal`. On a timeout or an abort the engine is killed (it may be anywhere in the request).
   */
  ask(request: ExecutionRequest, timeoutMs: number, signal: AbortSignal): Promise<EngineReply> {
    if (this.pending) throw new Error(`engine ${this.name} is already serving a request`);
    const id = `${this.name}-${this.nextId++}`;
    this.stderr.restart();
    return new Promise<EngineReply>((resolve) => {
      const finish = (reply: EngineReply) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(reply);
      };
      this.pending = { id, resolve: finish };
      const onAbort = () => this.interrupt('aborted');
      // Timers take at most 2^31-1 ms; a larger delay would fire at once.
      const timer = setTimeout(() => this.interrupt('timeout'), Math.min(timeoutMs, MAX_TIMER_MS));
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) return this.interrupt('aborted');
      if (!this.alive) return; // `ended` settles it
      try {
        const sink = this.child.stdin;
        sink.write(requestFrame(id, request));
        sink.flush();
      } catch {
        // The engine is gone (EPIPE); its end settles the request.
      }
    });
  }

  /** Asks the engine to finish (end of stdin), and kills its group if it has not within the grace. */
  async stop(): Promise<void> {
    try {
      this.child.stdin.end();
    } catch {
      // Already closed.
    }
    if (!(await settlesWithin(this.child.exited, this.options.killGraceMs))) await this.kill();
    await this.ended;
  }

  /** Ends the engine's whole process group now: SIGTERM, SIGKILL after the grace. */
  async kill(): Promise<void> {
    if (this.alive) await terminateGroup(this.pid, this.child.exited, this.options.killGraceMs);
    await this.ended;
  }

  private interrupt(how: 'timeout' | 'aborted'): void {
    this.settle({ kind: how });
    void this.kill();
  }

  private onLine(text: string): void {
    const pending = this.pending;
    if (!pending) {
      // A line nobody asked for (after an answer, or between requests): the engine is out of
      // step, and the next request must neither get that line nor go to an engine being killed.
      this.outOfStep ??= `it wrote a line nobody asked for: ${JSON.stringify(truncated(text, STRAY_LINE_SHOWN))}`;
      void this.kill();
      return;
    }
    const answer = parseAnswer(text);
    if ('problem' in answer) return this.settle({ kind: 'protocol', problem: answer.problem });
    if (answer.id !== pending.id) {
      return this.settle({ kind: 'protocol', problem: `it answered request "${answer.id}" while "${pending.id}" was asked` });
    }
    this.requests++;
    if (answer.memory !== undefined) this.memory = answer.memory;
    if (answer.ok) return this.settle({ kind: 'answer', answer });
    // A failure's log line was written just before its answer, but on another pipe: one turn of
    // the event loop lets what is already in that pipe be read (best effort, not a guarantee).
    setTimeout(() => this.settle({ kind: 'answer', answer }), 0);
  }

  /** Stdout closed: the engine is ending; the request (if any) is settled by `ended`. */
  private async onStdoutEnd(): Promise<void> {
    if (this.alive && !(await settlesWithin(this.child.exited, this.options.killGraceMs))) await this.kill();
  }

  private settle(reply: { kind: EngineReply['kind'] } & Record<string, unknown>): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    pending.resolve({ ...reply, stderr: this.stderr.result() } as EngineReply);
  }
}

function signalName(code: unknown): string | null {
  return code === null || code === undefined ? null : String(code);
}
