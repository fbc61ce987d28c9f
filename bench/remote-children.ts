/**
 * The remote scenarios' child processes (bench/remote-peers.ts: the work worker, the light
 * clients): a Peer spawns one and reads its stdout as JSON lines, talks to it through its stdin,
 * and stops it (SIGTERM, then SIGKILL). Every child still running, and the scenario's scratch
 * directory, go on exit, SIGTERM and SIGINT whatever else happens (the children also exit by
 * themselves when their stdin closes).
 */
import { rmSync } from 'node:fs';
import type { Subprocess } from 'bun';

const PEERS = new URL('./remote-peers.ts', import.meta.url).pathname;

type Child = Subprocess<'pipe', 'pipe', 'pipe'>;

/** A child process of ours: its stdout as lines, the tail of its stderr for error messages. */
export class Peer {
  readonly proc: Child;
  private readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  private stderrTail = '';

  constructor(
    readonly what: string,
    args: string[],
  ) {
    this.proc = Bun.spawn([process.execPath, PEERS, ...args], { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe' });
    children.add(this.proc);
    void this.read(this.proc.stdout, (text) => {
      this.lines.push(...text.split('\n').filter((l) => l.trim() !== ''));
      this.waiter?.();
    });
    void this.read(this.proc.stderr, (text) => {
      this.stderrTail = (this.stderrTail + text).slice(-4_000);
    });
    void this.proc.exited.then(() => this.waiter?.());
  }

  private async read(stream: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    let partial = '';
    try {
      for await (const chunk of stream) {
        const text = partial + decoder.decode(chunk, { stream: true });
        const cut = text.lastIndexOf('\n') + 1;
        partial = text.slice(cut);
        if (cut > 0) onText(text.slice(0, cut));
      }
    } catch {
      // the process is gone; what it said so far is kept
    }
    if (partial) onText(`${partial}\n`);
  }

  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  /** Why it failed, for an error message. */
  describe(): string {
    const how = this.exited ? `exited (${this.proc.exitCode ?? this.proc.signalCode})` : 'still running';
    const tail = this.stderrTail.trim().split('\n').slice(-8).join('\n');
    return `the ${this.what} process (pid ${this.proc.pid}) ${how}${tail ? `; its stderr:\n${tail}` : ''}`;
  }

  /** The next JSON line on its stdout, within `timeoutMs`. */
  async nextJson<T>(timeoutMs: number): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return JSON.parse(line) as T;
      if (this.exited) throw new Error(`no answer: ${this.describe()}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no answer within ${timeoutMs} ms: ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  /** One line to its stdin. */
  tell(line: string): void {
    this.proc.stdin.write(`${line}\n`);
    this.proc.stdin.flush();
  }

  /** SIGTERM (the worker drains), closed stdin, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.exited) {
      this.proc.kill('SIGTERM');
      await Promise.race([this.proc.exited, Bun.sleep(graceMs)]);
    }
    try {
      this.proc.stdin.end();
    } catch {
      // already closed
    }
    if (!this.exited) {
      this.proc.kill('SIGKILL');
      await Promise.race([this.proc.exited, Bun.sleep(2_000)]);
    }
    children.delete(this.proc);
  }
}

/** Every child still running: killed on exit, SIGTERM and SIGINT whatever else happens. */
const children = new Set<Child>();
let scratchDir: string | null = null;

/** The directory removed by killEverything (null: none). */
export function setScratchDir(dir: string | null): void {
  scratchDir = dir;
}

function killEverything(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
}

process.on('exit', killEverything);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    killEverything();
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  });
}

export function countClients(clients: Peer): Promise<{ sent: number; assigned: number; closed: number }> {
  clients.tell('count');
  return clients.nextJson(5_000);
}
