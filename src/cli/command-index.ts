import type { Command } from 'commander';

/**
 * Every `swarm` command: its name, how `--help` lists it, and how to load it. This file
 * imports no command: `swarm --help` draws the list from here, and any other call loads only
 * the module of the command it names, so a command pays for what it uses and nothing else
 * (`--help` and `validate` start in well under 0.1 s, against ~0.15 s loading everything).
 * test/cli/command-index.test.ts checks that each module registers what its entry says.
 */
export interface CommandEntry {
  name: string;
  /** The term `--help` lists (arguments and `[options]`, as commander would write them). */
  term: string;
  summary: string;
  /** The module's register function; it may register several entries (`control`). */
  load: () => Promise<(program: Command) => void>;
}

const control = async () => (await import('./commands/control.ts')).registerControl;

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'config', term: '[options] [output]', summary: 'write the commented default config (refuses to overwrite without --force)', load: async () => (await import('./commands/config.ts')).registerConfig },
  { name: 'validate', term: '[options] <manifest> [config]', summary: 'check a manifest (exit 0 valid, 2 invalid)', load: async () => (await import('./commands/validate.ts')).registerValidate },
  { name: 'schema', term: '', summary: 'print the manifest JSON Schema', load: async () => (await import('./commands/schema.ts')).registerSchema },
  { name: 'run', term: '[options] [manifest] [config]', summary: 'run a workflow on this host with thread workers and wait for it', load: async () => (await import('./commands/run.ts')).registerRun },
  { name: 'runs', term: '[options] [config]', summary: 'list runs, newest first', load: async () => (await import('./commands/runs.ts')).registerRuns },
  { name: 'show', term: '[options] <run> [config]', summary: "one run's tasks, attempts, outputs and errors", load: async () => (await import('./commands/show.ts')).registerShow },
  { name: 'history', term: '[options] <run> [config]', summary: "a run's state transitions, in order", load: async () => (await import('./commands/history.ts')).registerHistory },
  { name: 'watch', term: '[options] <run> [config]', summary: 'a live terminal view of a run, with a cursor to step through its journal', load: async () => (await import('./commands/watch.ts')).registerWatch },
  { name: 'dashboard', term: '[options] [config]', summary: 'the web dashboard, read-only, over a state database with no dispatcher (127.0.0.1 only)', load: async () => (await import('./commands/dashboard.ts')).registerDashboard },
  { name: 'graph', term: '[options] <manifest-or-run> [config]', summary: "a workflow's DAG (a run's with its task states) as Mermaid, DOT, JSON or SVG", load: async () => (await import('./commands/graph.ts')).registerGraph },
  { name: 'machines', term: '[options]', summary: 'the task, coordinator, node and dispatcher statecharts, read from their XState definitions', load: async () => (await import('./commands/machines.ts')).registerMachines },
  { name: 'start-dispatcher', term: '[options] [config]', summary: 'run the long-lived dispatcher (HTTP API for deploy and status) until SIGINT/SIGTERM', load: async () => (await import('./commands/start-dispatcher.ts')).registerStartDispatcher },
  { name: 'start-worker', term: '[options] [config] [name]', summary: 'run a remote worker node that connects to the dispatcher, until SIGINT/SIGTERM', load: async () => (await import('./commands/start-worker.ts')).registerStartWorker },
  { name: 'deploy', term: '[options] <manifest> [config]', summary: 'send a workflow to the running dispatcher and follow it to the end', load: async () => (await import('./commands/deploy.ts')).registerDeploy },
  { name: 'status', term: '[options] [config]', summary: "the running dispatcher's nodes, tasks and workflows, and the state database", load: async () => (await import('./commands/status.ts')).registerStatus },
  { name: 'backend', term: '', summary: 'the external backends (rust_injector, php_engine, powershell_engine)', load: async () => (await import('./commands/backend.ts')).registerBackend },
  { name: 'replay', term: '[options] <run> [config]', summary: 're-run a run, reusing the results of what succeeded', load: async () => (await import('./commands/replay.ts')).registerReplay },
  { name: 'rollback', term: '[options] <run> [config]', summary: "undo a finished run: run its succeeded symbols' rollbacks, newest first", load: async () => (await import('./commands/rollback.ts')).registerRollback },
  { name: 'cancel', term: '[options] <run> [config]', summary: 'cancel a run on the running dispatcher: nothing new starts, running tasks get shutdown_grace, then are stopped', load: control },
  { name: 'pause', term: '[options] <run> [config]', summary: 'pause a run on the running dispatcher: no new task starts until resume; running ones finish', load: control },
  { name: 'resume', term: '[options] <run> [config]', summary: 'resume a paused run on the running dispatcher', load: control },
  { name: 'prune', term: '[options] [config]', summary: 'delete finished runs older than a duration, with their tasks and journals', load: async () => (await import('./commands/prune.ts')).registerPrune },
];

const BY_NAME = new Map(COMMANDS.map((c) => [c.name, c]));

export function commandEntry(name: string): CommandEntry | undefined {
  return BY_NAME.get(name);
}

/** A command's summary, for its module's `.description()`: one text for both. */
export function summaryOf(name: string): string {
  const entry = BY_NAME.get(name);
  if (!entry) throw new Error(`no command "${name}" in command-index.ts`);
  return entry.summary;
}
