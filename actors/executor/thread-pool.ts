import { randomBytes } from 'node:crypto';
import { Piscina } from 'piscina';
import { exposeHost } from './host-channel.ts';
import type { HostServices } from './thread-protocol.ts';
import { ServedThread } from './served-thread.ts';
import type { ThreadReport } from './thread-protocol.ts';

const THREAD_ENTRY = new URL('./thread-entry.ts', import.meta.url).href;

/**
 * What a local node's threads share: the piscina pool they are served from (one long call
 * each, see served-thread.ts) and the channel on which their tasks call the host's services
 * (state, log) through Comlink (host-channel.ts).
 */
export class NodeThreadPool {
  private readonly pool: Piscina;
  private readonly channelName = `swarm-node-${randomBytes(6).toString('hex')}`;
  private readonly channel: BroadcastChannel;

  constructor(threads: number, host: HostServices, threadEntry: string = THREAD_ENTRY) {
    this.pool = new Piscina({
      filename: threadEntry,
      minThreads: threads,
      maxThreads: threads,
      // 'disabled' keeps a thread's event loop free while it serves, so messages on its port
      // and timers inside it are handled promptly.
      atomics: 'disabled',
      idleTimeout: Infinity,
    });
    this.channel = new BroadcastChannel(this.channelName);
    exposeHost(host, this.channel);
  }

  /** A thread dying outside any call (one whose entry failed to load): piscina's 'error'. */
  onError(handler: (err: unknown) => void): void {
    this.pool.on('error', handler);
  }

  /** A new served thread, running `concurrency` requests at once and holding at most `maxHeld`. */
  serve(
    concurrency: number,
    maxHeld: number,
    onReport: (thread: ServedThread, report: ThreadReport) => void,
    onLost: (thread: ServedThread, err: unknown) => void,
  ): ServedThread {
    return new ServedThread(this.pool, this.channelName, concurrency, maxHeld, onReport, onLost);
  }

  /** Stops piscina starting threads: the calls still waiting for one end (with an error). */
  stopStarting(): void {
    void this.pool.destroy();
  }

  /** Terminates whatever threads are left and releases the channel. */
  async destroy(): Promise<void> {
    this.channel.close();
    await this.pool.destroy();
  }
}
