import type { Command } from 'commander';
import { commandLineFor } from '../../command-line.ts';
import { UsageError } from '../../errors.ts';
import { Logger } from '../../logger.ts';
import { startDashboardServer } from '../../dashboard/server/standalone-server.ts';
import { action } from '../action.ts';
import { summaryOf } from '../command-index.ts';
import { loadCliConfig, openCliStore, parseCount } from '../context.ts';
import { onExit, out } from '../exit.ts';
import { onStopSignals } from '../signals.ts';

interface DashboardOptions {
  db?: string;
  port?: string;
  json?: boolean;
}

/** The default port: beside the dispatcher's 8080, so both can run on one machine. */
const DEFAULT_PORT = 8081;

/**
 * `swarm dashboard [config] [--db FILE] [--port N] [--json]`: the dashboard's pages over a
 * state database with no dispatcher (runs of `swarm run`, a stopped dispatcher's database), on
 * 127.0.0.1 only, read-only. Follows runs another process is writing. Runs until SIGINT/SIGTERM.
 * With --json prints `{"url", "port"}` as one line once listening. Exit 3 when the database
 * cannot be opened or the port is taken.
 */
export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description(summaryOf('dashboard'))
    .argument('[config]', 'config file (default: $SWARM_CONFIG, else ./swarm-config.toml, else built-in defaults)')
    .option('--db <path>', 'state database (overrides [dispatcher] state_db_path)')
    .option('--port <n>', `port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 = any free port)`)
    .option('--json', 'print {"url", "port"} as one JSON line on stdout once listening')
    .action(action(dashboard));
}

async function dashboard(configPath: string | undefined, opts: DashboardOptions): Promise<number> {
  const port = opts.port === undefined ? DEFAULT_PORT : parseCount(opts.port, '--port');
  if (port > 65_535) throw new UsageError(`--port expects a port number from 0 to 65535 (got "${opts.port}").`);
  const { config } = await loadCliConfig(configPath, { db: opts.db, logFile: true });
  const store = openCliStore(config);
  const server = startDashboardServer(config, store, { port, log: Logger.get('dashboard'), commandLine: commandLineFor(configPath, opts.db) });
  onExit(() => server.stop());
  const stopped = new Promise<number>((resolve) => {
    onStopSignals({
      first: () => {
        server.stop();
        resolve(0);
      },
      second: () => resolve(1),
    });
  });
  if (opts.json) await out(JSON.stringify({ url: server.url, port: server.port }));
  else await out(`Dashboard (read-only) of ${store.location} on ${server.url}. Stop it with Ctrl-C.`);
  return stopped;
}
