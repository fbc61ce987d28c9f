/**
 * The result shapes of the benchmark: which scenario kinds each scenario script runs, and the
 * one JSON line each prints (a RawResult, SwarmResult, RemoteResult, ResumeResult,
 * ResimulateResult, CliRunResult or PeerResult), which run.ts reads back to build the table and the results file. Types and
 * constant lists only, no runtime imports.
 */

/** Scenarios of bench/scenario.ts (one process: raw piscina, or a Dispatcher with its own threads). */
export const SCENARIO_KINDS = ['raw-calls', 'raw-batched', 'swarm-flat', 'swarm-chain'] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];
/** Scenarios of bench/remote-scenario.ts (a dispatcher server, its workers in other processes). */
export const REMOTE_SCENARIO_KINDS = ['remote-flat', 'remote-heartbeats'] as const;
export type RemoteScenarioKind = (typeof REMOTE_SCENARIO_KINDS)[number];
/** Scenarios of bench/resume-scenario.ts (a run SIGKILLed in a child process, resumed by fresh ones). */
export const RESUME_SCENARIO_KINDS = ['resume-after-kill'] as const;
export type ResumeScenarioKind = (typeof RESUME_SCENARIO_KINDS)[number];
/** Scenarios of bench/resimulate-scenario.ts (a big journal recorded, then re-simulated). */
export const RESIMULATE_SCENARIO_KINDS = ['resimulate-journal'] as const;
export type ResimulateScenarioKind = (typeof RESIMULATE_SCENARIO_KINDS)[number];

/** Scenarios of bench/cli-run-scenario.ts (`swarm run` of a manifest file, in its own process). */
export const CLI_RUN_SCENARIO_KINDS = ['cli-run'] as const;
export type CliRunScenarioKind = (typeof CLI_RUN_SCENARIO_KINDS)[number];

/** Scenarios of bench/peer-scenario.ts (BullMQ on a private Redis: the peer). */
export const PEER_SCENARIO_KINDS = ['bullmq-flat', 'bullmq-chain'] as const;
export type PeerScenarioKind = (typeof PEER_SCENARIO_KINDS)[number];

/** What every scenario prints, as one JSON line on stdout. */
export interface ScenarioResultBase {
  scenario: ScenarioKind | RemoteScenarioKind | ResumeScenarioKind | ResimulateScenarioKind | CliRunScenarioKind | PeerScenarioKind;
  threads: number;
  /** Wall-clock seconds of the measured part. */
  seconds: number;
  bunVersion: string;
  /** 1-minute load average when the scenario started and when it ended: other work skews results. */
  loadAvg: { start: number; end: number };
}

/** Raw piscina: calls straight into a pool, no swarm code on the main thread. */
export interface RawResult extends ScenarioResultBase {
  scenario: 'raw-calls' | 'raw-batched';
  /** piscina calls made (after warm-up). */
  calls: number;
  /** Requests carried per call (1 for raw-calls). */
  batchSize: number;
  /** Calls kept in flight at once. */
  inFlight: number;
  /** Requests (= tasks) per second: the median of the timed repeats. */
  requestsPerSecond: number;
  /** The fastest repeat, and every repeat. */
  bestRequestsPerSecond: number;
  repeatRequestsPerSecond: number[];
  /** Calls per second at the median repeat. */
  callsPerSecond: number;
  /** Mean microseconds per call when inFlight is 1 (a round trip), else null. */
  usPerRoundTrip: number | null;
  /** The piscina options of the timed passes (for raw-calls: the fastest of the sweep). */
  piscinaOptions: Record<string, unknown>;
  /** raw-calls only: one short pass per piscina setting tried, when they were swept. */
  sweep?: { concurrentTasksPerWorker: number; atomics: string; requestsPerSecond: number }[];
  /** RSS after imports, at the end (pools destroyed), and the process's high-water mark (VmHWM), MB. */
  memory: { rssStartMB: number; rssEndMB: number; vmHwmMB: number | null };
}

/** A swarm run: Dispatcher + SqliteStore journal, no-op tasks. */
export interface SwarmResult extends ScenarioResultBase {
  scenario: 'swarm-flat' | 'swarm-chain';
  tasks: number;
  tasksPerThread: number;
  /** 'sqlite': a real SqliteStore file (the measured setting); 'memory': MemoryStore, for diagnosis. */
  store: 'sqlite' | 'memory' | 'postgres';
  status: string;
  completedTasks: number;
  failedTasks: number;
  tasksPerSecond: number;
  /** seconds / tasks, in µs: for a chain, the cost of one dependent step. */
  usPerTask: number;
  /** The main thread's CPU time (user + system) over the run, per task, in µs. */
  mainThreadCpuUsPerTask: number;
  /** Time spent inside the synchronous deploy() call (createRun of every task, first activations). */
  deployCallMs: number;
  /** Tasks of the warm-up run deployed (and awaited) before the measured one. */
  warmupTasks: number;
  /** Journal rows written by the measured run (transitions after − before). */
  journalRows: number;
  journalRowsPerTask: number;
  /** Rows of the SQLite journal table per task (several transitions may share one); null for other stores. */
  tableRowsPerTask: number | null;
  /** All transitions in the store at the end (warm-up run and dispatcher/node actors included). */
  journalRowsTotal: number;
  dbBytes: number;
  memory: {
    /** RSS right after the process's imports, MB. */
    rssStartMB: number;
    /** RSS just before the measured deploy (dispatcher started, warm-up done, manifest built), MB. */
    rssBeforeMB: number;
    /** Highest RSS sampled every ~50 ms during the measured run, MB. */
    rssPeakSampledMB: number;
    /** RSS when the run's result arrived, MB. */
    rssAfterMB: number;
    /** The kernel's high-water mark for the whole process (VmHWM; includes setup), MB, or null. */
    vmHwmMB: number | null;
    /** Heap used before / peak sampled during the run, MB. */
    heapBeforeMB: number;
    heapPeakSampledMB: number;
    /**
     * Taken once when half the tasks have settled, right after a forced full GC: RSS and the
     * heap really retained mid-run (null when the run was too short for a sample to land there).
     * The GC pause (gcMs) is left out of the run's measured time and of its main-thread CPU.
     */
    midRun: {
      settled: number;
      rssMB: number;
      heapAfterGcMB: number;
      heapTotalMB: number;
      externalMB: number;
      gcMs: number;
    } | null;
    samples: number;
  };
  /** Peak number of live task actors (sum of progress().live) seen by the sampler. */
  peakLiveActors: number;
  /** The live-state breakdown at that peak. */
  peakLiveByState: Record<string, number>;
}

/** `swarm run FILE --quiet` of a big fan-out: the CLI process's peak RSS and the run's rate. */
export interface CliRunResult extends ScenarioResultBase {
  scenario: CliRunScenarioKind;
  tasks: number;
  exitCode: number;
  status: string;
  completedTasks: number;
  failedTasks: number;
  /** tasks over the run's createdAt..finishedAt (seconds): reading the file comes before createdAt. */
  tasksPerSecond: number;
  /** The CLI process's maxRSS (getrusage), MB: reading the file, validating, recording and running. */
  memory: { maxRssMB: number | null };
}

/** One timed run of a remote scenario (deploy → result), and what the processes did meanwhile. */
export interface RemoteRunStats {
  tasks: number;
  status: string;
  completedTasks: number;
  failedTasks: number;
  seconds: number;
  tasksPerSecond: number;
  usPerTask: number;
  /** The synchronous part of deploy() (createRun of every task, first activations). */
  deployCallMs: number;
  /** Journal rows written by this run (transitions after − before). */
  journalRows: number;
  journalRowsPerTask: number;
  /** CPU seconds per wall second during the run; null where /proc is not readable. */
  cores: { dispatcher: number; dispatcherMainThread: number | null; worker: number | null };
  /** Store commits (journal group commits) during the run, and the wall time spent in them. */
  commits: number;
  commitMs: number;
  /** The dispatcher process's RSS before the deploy and the highest sampled every 50 ms, MB. */
  rssBeforeMB: number;
  rssPeakSampledMB: number;
}

/** CPU used by the idle dispatcher over a window (no run active). */
export interface IdleWindow {
  seconds: number;
  /** Heartbeats the light clients sent in the window (0 without clients). */
  heartbeats: number;
  /** Dispatcher process CPU (all threads), and its main thread alone (null without /proc), µs. */
  cpuUs: number;
  mainThreadCpuUs: number | null;
  /** Store commits in the window (a heartbeat marks its node dirty: one commit per flush), and µs in them. */
  commits: number;
  commitUs: number;
}

/** A dispatcher server in this process, one remote worker process, no-op tasks. */
export interface RemoteResult extends ScenarioResultBase {
  scenario: RemoteScenarioKind;
  /** The worker's max_concurrent_tasks, and its threads (RemoteWorker: min(capacity, 2)). */
  capacity: number;
  tasksPerThread: number;
  tasks: number;
  warmupTasks: number;
  /** The measured run; for remote-heartbeats, the one with the light clients connected. */
  status: string;
  tasksPerSecond: number;
  run: RemoteRunStats;
  /** remote-heartbeats: the same run before the light clients connected, and after they left. */
  runWithoutClients: RemoteRunStats | null;
  runWithoutClientsAfter: RemoteRunStats | null;
  heartbeats: {
    clients: number;
    intervalMs: number;
    /** The idle window with only the work worker connected, and with the clients too. */
    idleWithout: IdleWindow;
    idleWith: IdleWindow;
    /** Heartbeats per second the dispatcher received from the clients during idleWith. */
    heartbeatsPerSecond: number;
    /** Extra dispatcher CPU with the clients connected, in cores (CPU s per s), and per heartbeat. */
    extraCores: number;
    usPerHeartbeat: number;
    mainThreadUsPerHeartbeat: number | null;
    /** Extra store commits per second with the clients, and the extra commit time per heartbeat (µs, wall). */
    extraCommitsPerSecond: number;
    commitUsPerHeartbeat: number;
    /** Over the whole scenario: heartbeats sent, assignments the clients got (must be 0), sockets closed. */
    sent: number;
    assigned: number;
    closed: number;
  } | null;
  journalRowsTotal: number;
  dbBytes: number;
  memory: { rssStartMB: number; rssAfterMB: number; vmHwmMB: number | null };
  /** The worker process: pid, and its RSS / VmHWM at the end (before it was stopped), MB. */
  worker: { pid: number; rssMB: number | null; vmHwmMB: number | null };
}

/**
 * The in-process resume: a fresh process's `new Dispatcher` → `start()` → `resumeOrphanedRuns()`
 * (ms, performance.now()), and the first dispatch read from the journal afterwards.
 */
export interface ResumeInProcessStats {
  /** How the run was taken up: resumeOrphanedRuns(), or resume(runId) when that found none. */
  via: 'resumeOrphanedRuns' | 'resume(runId)';
  orphansFound: number;
  /** Process start → the runtime's modules imported. */
  importMs: number;
  /** `new Dispatcher` (opens the store: WAL recovery after the kill, schema check). */
  openStoreMs: number;
  /** `start()`: the dispatcher actor and the thread pool. */
  startMs: number;
  /** The resume call itself: stored run and its task rows read, the start planned, coordinator started. */
  resumeCallMs: number;
  /** From `new Dispatcher` to the first task transition to `assigned` / `running` after the kill (1 ms resolution). */
  firstAssignedMs: number | null;
  firstRunningMs: number | null;
  /** The same first `assigned`, from process start (imports included). */
  firstAssignedFromProcessStartMs: number | null;
  /** From `new Dispatcher` to the run's result (every remaining task done). */
  finishMs: number;
  status: string;
  completedTasks: number;
}

/** `swarm run --resume` as a child process, from its spawn. */
export interface ResumeCliStats {
  command: string;
  firstAssignedMs: number | null;
  firstRunningMs: number | null;
  /** Spawn → exit (the run finished, the result printed). */
  exitMs: number;
  code: number | null;
  status: string | null;
}

/** A run SIGKILLed mid-way in a host process, then resumed by fresh processes on copies of its database. */
export interface ResumeResult extends ScenarioResultBase {
  scenario: ResumeScenarioKind;
  tasksPerThread: number;
  tasks: number;
  /** Each task's `delay` (0: noop). */
  delayMs: number;
  killedAt: {
    /** The kill came once this fraction of the tasks had succeeded. */
    fraction: number;
    /** Task rows by status right after the kill. */
    byStatus: Record<string, number>;
    settled: number;
    /** Tasks neither settled nor pending at the kill (ready, assigned, running, retrying): run again. */
    inFlight: number;
    /** The host's life, spawn to kill. */
    hostSeconds: number;
  };
  inProcess: ResumeInProcessStats;
  cli: ResumeCliStats;
}

/** One timed re-simulation pass: reading the run out of the store, then re-simulating and comparing. */
export interface ResimulatePass {
  seconds: number;
  readMs: number;
  simulateMs: number;
  /** CPU time of the pass (user + system): less sensitive than wall time to other processes. */
  cpuMs: number;
  rows: number;
  /** Trajectory sharing: distinct classes, task actors re-simulated, and those that shared a result. */
  sharing: { classes: number; simulated: number; shared: number };
}

/** A big journal re-simulated (`swarm replay --simulate`): seconds is the median pass. */
export interface ResimulateResult extends ScenarioResultBase {
  scenario: ResimulateScenarioKind;
  tasksPerThread: number;
  tasks: number;
  /** The run's journal rows. */
  journalRows: number;
  /** How long recording the journal (running the workflow) took; not part of the measurement. */
  recordSeconds: number;
  median: ResimulatePass;
  /** One pass in a fresh child process: nothing compiled yet (as in `swarm replay --simulate`). */
  cold: ResimulatePass;
  passes: ResimulatePass[];
  /** One pass without trajectory sharing (every task actor re-simulated), or null. */
  exact: ResimulatePass | null;
  dbBytes: number;
  memory: { rssBeforeMB: number; rssAfterMB: number; vmHwmMB: number | null };
}

/** BullMQ: N no-op jobs, flat or as a chain of dependent jobs. */
export interface PeerResult extends ScenarioResultBase {
  scenario: PeerScenarioKind;
  tasks: number;
  /** Jobs of the same shape run (and awaited) on the same queue before the measured ones. */
  warmupJobs: number;
  /** The Worker's concurrency (the swarm's slots). */
  concurrency: number;
  /** Redis persistence: none, or an append-only file fsynced every second. */
  persistence: 'none' | 'aof-everysec';
  jobsPerSecond: number;
  /** Microseconds per job (per step, for the chain). */
  usPerJob: number;
  /** CPU seconds per wall second during the measured part: the BullMQ process, and redis-server; null without /proc. */
  cores: { scenario: number | null; redis: number | null };
  versions: { bullmq: string; redis: string | null };
}

export type ScenarioResult = RawResult | SwarmResult | RemoteResult | ResumeResult | ResimulateResult | CliRunResult | PeerResult;
