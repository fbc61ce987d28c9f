import type { Command } from 'commander';
import { commandLineFor } from '../../command-line.ts';
import { UsageError } from '../../errors.ts';
import { loadManifestFile, manifestDefaults } from '../../manifest/index.ts';
import { startDispatcherServer, type DispatcherServer } from '../../server/dispatcher-server.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { loadCliConfig, parseCount } from '../context.ts';
import { exitNow, onExit, out } from '../exit.ts';
import { formatDuration, note } from '../output.ts';
import { onStopSignals } from '../signals.ts';
import { swarmCommandLine } from '../../command-line.ts';

interface StartOptions {
  json?: boolean;
  db?: string;
  port?: string;
}

/**
 * `swarm start-dispatcher [config] [--db PATH] [--port N] [--json]`: the long-lived dispatcher.
 * Listens on `[dispatcher] bind` : `websocket_port` (--port overrides; 0 = any free port) and
 * serves the client API (`swarm deploy`, `swarm status`), /metrics and /health; runs tasks on
 * `local_workers` threads. Prints where it listens — with --json as one line
 * `{"url": …, "port": …}`, so a script can learn an ephemeral port — then runs until
 * SIGINT/SIGTERM: no new runs, active runs cancelled (running tasks get `shutdown_grace`),
 * everything persisted, exit 0. A second signal exits 1 at once.
 * `[dispatcher] manifest_path`, when set, is deployed once listening (named `workflow_name`).
 * Exit 2: bad config, bad manifest_path, a bind beyond loopback without a token. Exit 3: the
 * state database cannot be opened, or the port is taken (another dispatcher?).
 */
export function registerStartDispatcher(program: Command): void {
  program
    .command('start-dispatcher')
    .description(summaryOf('start-dispatcher'))
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--json', 'print {"url", "port"} as one JSON line on stdout once listening')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .option('--port <n>', 'port to listen on (overrides [dispatcher] websocket_port; 0 = any free port)')
    .action(action(startDispatcher));
}

function parsePort(value: string): number {
  const port = parseCount(value, '--port');
  if (port > 65_535) throw new UsageError(`--port expects a port number from 0 to 65535 (got "${value}").`);
  return port;
}

async function startDispatcher(configPath: string | undefined, opts: StartOptions): Promise<number> {
  const port = opts.port === undefined ? undefined : parsePort(opts.port);
  const { config } = await loadCliConfig(configPath, { db: opts.db, logFile: true });
  const { manifest_path: manifestPath, workflow_name: workflowName } = config.dispatcher;
  // Checked before listening: a bad startup manifest is exit 2 with nothing started.
  const startup = manifestPath === undefined ? undefined : loadManifestFile(manifestPath, { defaults: manifestDefaults(config) });

  // The handlers go in before the server listens: a deploy can come as soon as it does, and a
  // signal with no handler yet would kill the process with that run unsaved. A handler runs on
  // a later turn of the event loop, when `server` is set.
  let server: DispatcherServer;
  const stopped = new Promise<number>((resolve, reject) => {
    onStopSignals({
      first(signal) {
        void note(
          `${signal} received: stopping; active runs are cancelled (running tasks get up to ` +
            `${formatDuration(config.dispatcher.shutdown_grace)} to finish; a run still rolling back then is left unfinished, for ` +
            `\`${swarmCommandLine(['run', '--resume', '<run>'], configPath, opts.db)}\` or another dispatcher). Press Ctrl-C (or send ${signal}) again to exit at once.`,
        );
        server.stop().then(() => resolve(0), reject);
      },
      second(signal) {
        process.stderr.write(`swarm: second ${signal}: exiting now; active runs may be left unfinished in the database.\n`);
        exitNow(1, () => server.store.close());
      },
    });
  });
  // Hints about its runs (the dashboard's) name the config and database it was started with.
  server = startDispatcherServer(config, { ...(port !== undefined && { port }), commandLine: commandLineFor(configPath, opts.db) });
  onExit(() => server.stop());

  if (startup) {
    const run = server.deploy(startup, workflowName);
    await note(`deployed ${manifestPath} as run ${run.runId}`);
  }
  if (opts.json) await out(JSON.stringify({ url: server.url, port: server.port }));
  else await out(`Dispatcher listening on ${server.url} (database ${server.store.location}). Stop it with Ctrl-C.`);
  return stopped;
}
