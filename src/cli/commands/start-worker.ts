import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { createWorker, workerSocketUrls } from '../../api/create-worker.ts';
import { action } from '../action.ts';
import { dispatcherUrls } from '../dispatcher-client.ts';
import { summaryOf } from '../command-index.ts';
import { loadCliConfig } from '../context.ts';
import { exitNow, out } from '../exit.ts';
import { note } from '../output.ts';
import { onStopSignals } from '../signals.ts';

/**
 * `swarm start-worker [config] [name]`: a remote worker node. Connects to `[worker]
 * dispatcher_url` (its `/workers` route), registers `name` (default `[worker] node_name`),
 * its capabilities (internal, and each enabled backend its `[worker.capabilities]` allows that
 * passes its health check) and `max_concurrent_tasks`, heartbeats, and runs what it is
 * assigned: internal operations on its own threads, backends as processes. While the dispatcher is unreachable it keeps retrying and says so in its log.
 * SIGINT/SIGTERM drains: no new task, running ones finish and are reported, exit 0 — also when
 * some results could not be reported (the dispatcher gone): a warning names them, and whoever
 * takes their run up runs them again; a second signal exits 1 at once.
 */
export function registerStartWorker(program: Command): void {
  program
    .command('start-worker')
    .description(summaryOf('start-worker'))
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .argument('[name]', 'node name (overrides [worker] node_name); a lone argument that is not a file is the name')
    .option('--name <name>', 'node name, whatever the arguments')
    .option('--url <url>', 'dispatcher URL, or several separated by commas, used one at a time (overrides [worker] dispatcher_url)')
    .action(action(startWorker));
}

/**
 * `start-worker worker-2` means a name, not a config file: a single argument that is neither
 * an existing file nor a .toml path is taken as the name.
 */
function positionals(first: string | undefined, second: string | undefined): { configPath?: string; name?: string } {
  if (first !== undefined && second === undefined && !existsSync(first) && !/\.toml$/i.test(first)) return { name: first };
  return { ...(first !== undefined && { configPath: first }), ...(second !== undefined && { name: second }) };
}

async function startWorker(first: string | undefined, second: string | undefined, opts: { url?: string; name?: string }): Promise<number> {
  const given = positionals(first, second);
  if (opts.name !== undefined && given.name !== undefined && opts.name !== given.name) {
    throw new UsageError(`Two names for one worker: "${given.name}" and --name "${opts.name}"; give one.`);
  }
  const name = opts.name ?? given.name;
  const { config } = await loadCliConfig(given.configPath, { logFile: true });
  // The same check as every command's --url (ws://, wss://, http:// or https://, several by commas).
  if (opts.url !== undefined) dispatcherUrls(config, opts.url);
  const worker = createWorker({ config, ...(name ? { name } : {}), ...(opts.url ? { dispatcherUrl: opts.url } : {}) });
  const stopped = new Promise<number>((resolve, reject) => {
    onStopSignals({
      first(signal) {
        void note(`${signal} received: draining (running tasks finish first). Press Ctrl-C (or send ${signal}) again to exit at once.`);
        worker.stop().then(() => resolve(0), reject);
      },
      second() {
        exitNow(1, () => {});
      },
    });
  });
  await worker.start();
  await out(
    `Worker ${worker.name} (offers ${worker.capabilities.join(', ')}) connecting to ` +
      `${workerSocketUrls(opts.url ?? config.worker.dispatcher_url).join(' or ')}. Stop it with Ctrl-C.`,
  );
  return stopped;
}
