import packageJson from '../../package.json' with { type: 'json' };
import { Dispatcher, type RunHandle } from '../../actors/dispatcher.ts';
import { plainCommandLine, type CommandLine } from '../command-line.ts';
import type { SwarmConfig } from '../config/index.ts';
import { Logger, type SwarmLogger } from '../logger.ts';
import { manifestDefaults } from '../manifest/index.ts';
import type { LoadedManifest } from '../manifest/types.ts';
import { openConfiguredStore, storeWriteError, type SwarmStore } from '../store/index.ts';
import { accessPolicy } from './access.ts';
import { startHttpServer } from './http-server.ts';
import { workerSocketHandlers } from './worker-socket.ts';
import { ThrottledWarnings } from './throttled-warnings.ts';
import { SwarmMetrics } from './metrics.ts';
import { observeSettledTasks } from './observed-store.ts';
import { notifyOnCommit } from '../dashboard/server/commit-feed.ts';
import { dashboardHandler } from '../dashboard/server/dashboard-handler.ts';
import { LiveHub } from '../dashboard/server/live-hub.ts';
import { liveSocketHandlers } from '../dashboard/server/live-socket.ts';
import { RunRegistry } from './run-registry.ts';
import { timeTravelOver } from '../dashboard/server/time-travel.ts';
import { TimelineFolds } from '../dashboard/server/run-timeline.ts';

/**
 * The long-lived dispatcher (`swarm start-dispatcher`): the state database, the runtime
 * (Dispatcher, with its local thread node) and the HTTP server, started and stopped together.
 */

/** How long the socket stays open after the last run was cancelled at shutdown. */
const FOLLOWER_GRACE_MS = 500;
/**
 * Node rows not seen for a day are dropped, at start and then hourly: recent ones stay for
 * inspection, and workers with ever-new names (a pod's, a pid in the name) do not grow the
 * table for good. A live node's row comes back at its next change.
 */
export const NODE_ROW_RETENTION_MS = 24 * 3_600_000;
const NODE_PRUNE_EVERY_MS = 3_600_000;

export interface DispatcherServerOptions {
  /** Overrides `[dispatcher] websocket_port`; 0 listens on a free port (see `port`). */
  port?: number;
  /** Where SWARM_AUTH_TOKEN is read from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Logger for the server and the runtime (default: the swarm's `server` / `dispatcher` loggers). */
  log?: SwarmLogger;
  /**
   * How hints about its runs (the dashboard's `swarm run --resume <id>`) name the config and
   * database the dispatcher was started with (default: neither, as for a dispatcher made in code).
   */
  commandLine?: CommandLine;
}

export interface DispatcherServer {
  readonly url: string;
  readonly hostname: string;
  /** The port actually listened on (the chosen one when 0 was asked for). */
  readonly port: number;
  readonly dispatcher: Dispatcher;
  readonly store: SwarmStore;
  /** Deploys a run as POST /api/runs does (used for `[dispatcher] manifest_path`). */
  deploy(loaded: LoadedManifest, name?: string): RunHandle;
  /** Counts a run started on `dispatcher` directly (a replay, a rollback) in status and metrics. */
  track<H extends RunHandle>(handle: H): H;
  /**
   * Stops taking new runs, cancels the active ones (running tasks get `shutdown_grace`), drains
   * the threads, closes the socket and the store. Safe to call more than once.
   */
  stop(): Promise<void>;
}

/**
 * Starts everything, in an order that leaves nothing behind on failure: the access policy
 * first (a dispatcher beyond loopback without a token never opens anything: ConfigError), then
 * the store (StoreUnavailableError), then the socket (a port in use: exit 3, store closed),
 * and the worker threads last, once the socket is ours.
 */
export function startDispatcherServer(config: SwarmConfig, options: DispatcherServerOptions = {}): DispatcherServer {
  const log = options.log ?? Logger.get('server');
  const policy = accessPolicy(config, options.env);
  const rawStore = openConfiguredStore(config.dispatcher);
  // Late-bound: the metrics need the dispatcher, and the dispatcher needs the observed store.
  let metrics: SwarmMetrics | undefined;
  // The dashboard's live sockets are woken by each commit, right after it is durable.
  let hub: LiveHub | undefined;
  const store = observeSettledTasks(
    notifyOnCommit(rawStore, () => hub),
    (task) => metrics?.observeSettled(task),
  );
  hub = new LiveHub(store);
  const dispatcher = new Dispatcher({
    config,
    store,
    acceptsRemoteNodes: config.dispatcher.enable_websocket,
    ...(options.log && { logger: options.log }),
    // Its own hints (a run left rolling back as it stops) name its config and database too.
    ...(options.commandLine && { commandLine: options.commandLine }),
  });
  const registry = new RunRegistry(dispatcher, log);
  let accepting = true;
  const sources = { dispatcher, registry, store, version: packageJson.version, startedAt: Date.now(), accepting: () => accepting };
  metrics = new SwarmMetrics(sources);

  const backoff = { base: config.coordinator.retry_backoff_base, max: config.coordinator.retry_backoff_max };
  const commandLine = options.commandLine ?? plainCommandLine;
  // Over the raw store: re-simulation only reads, and on a SQLite file it runs on a thread.
  const timeTravel = timeTravelOver(rawStore, backoff);
  const workerWarnings = new ThrottledWarnings(log, 'warnings about worker connections');
  let http;
  try {
    http = startHttpServer({
      hostname: config.dispatcher.bind,
      port: options.port ?? config.dispatcher.websocket_port,
      policy,
      log,
      acceptWorkers: config.dispatcher.enable_websocket,
      workerWarnings,
      workers: workerSocketHandlers({
        dispatcher,
        policy,
        maxMessageSize: config.security.max_message_size,
        heartbeatInterval: config.coordinator.heartbeat_interval,
        helloTimeoutMs: config.coordinator.heartbeat_timeout,
        log,
        warnings: workerWarnings,
      }),
      dashboard: {
        handle: dashboardHandler(policy, {
          store,
          backoff,
          controls: true,
          timelines: new TimelineFolds(),
          timeTravel,
          commandLine,
        }),
        sockets: liveSocketHandlers(hub),
      },
      context: {
        ...sources,
        metrics,
        maxBodyBytes: config.security.max_message_size,
        manifestDefaults: manifestDefaults(config),
        commandLine,
      },
    });
  } catch (error) {
    timeTravel.close();
    rawStore.close();
    throw error;
  }
  const pruneNodes = () => {
    try {
      const deleted = store.deleteNodesLastSeenBefore(Date.now() - NODE_ROW_RETENTION_MS);
      if (deleted > 0) log.info({ deleted }, 'dropped the rows of nodes not seen for a day');
    } catch (err) {
      // The swarm's words on a console (a full disk is no bug); the log file keeps the cause.
      log.error({ err: storeWriteError(store.location, err) }, 'dropping old node rows failed');
    }
  };
  // Before the dispatcher's own nodes write theirs: what is left is from earlier lives.
  pruneNodes();
  const nodePrune = setInterval(pruneNodes, NODE_PRUNE_EVERY_MS);
  dispatcher.start();
  log.info({ url: http.url, auth: policy.token !== null, db: rawStore.location }, 'dispatcher listening');
  // Runs left unfinished by a process that died (this dispatcher's last life, a `swarm run`)
  // go on here; runs whose process is alive are left alone. Checked again every third of the
  // heartbeat timeout, so a run whose owner dies while this dispatcher is up is taken up
  // within a third of it once its process is seen gone (same host) or its lease has run out
  // (a cheap query of ids while nothing is orphaned).
  const adoptOrphans = () => {
    for (const handle of dispatcher.resumeOrphanedRuns()) {
      registry.track(handle);
      log.info({ runId: handle.runId }, 'resumed an unfinished run');
    }
  };
  adoptOrphans();
  const orphanScan = setInterval(() => {
    if (!accepting) return;
    try {
      adoptOrphans();
    } catch (err) {
      log.error({ err: storeWriteError(store.location, err) }, 'looking for unfinished runs to resume failed');
    }
  }, Math.max(1, Math.floor(config.coordinator.heartbeat_timeout / 3)));

  let stopping: Promise<void> | undefined;
  return {
    url: http.url,
    hostname: http.hostname,
    port: http.port,
    dispatcher,
    store,
    deploy: (loaded, name) => registry.deploy(loaded, name),
    track: (handle) => registry.track(handle),
    stop() {
      stopping ??= (async () => {
        // The socket stays open while runs are cancelled, so followers (`swarm deploy`) see
        // their run end as cancelled; new runs are refused (503) meanwhile.
        accepting = false;
        clearInterval(orphanScan);
        clearInterval(nodePrune);
        const hadRuns = registry.activeHandles().length > 0;
        try {
          await dispatcher.stop();
          // A follower polls about 5 times a second: give it time to read its run's end.
          if (hadRuns) await Bun.sleep(FOLLOWER_GRACE_MS);
        } finally {
          hub?.close();
          http.stop();
          workerWarnings.close();
          timeTravel.close();
          rawStore.close();
          log.info('dispatcher stopped');
        }
      })();
      return stopping;
    },
  };
}
