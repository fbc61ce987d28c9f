/**
 * Using the swarm from TypeScript: `bun examples/programmatic.ts`.
 * Runs examples/hello.yaml on this host's worker threads and prints what each symbol returned.
 */
import { createDispatcher, Logger } from '@wp-praxis/swarm';
import { StateManager } from '@wp-praxis/swarm/state-manager';

Logger.configure({ level: 'warn', console: true, format: 'text' });

const dbPath = process.env.SWARM_DB ?? './swarm-state.db';
const dispatcher = createDispatcher({ stateDbPath: dbPath, localWorkers: 2 });
await dispatcher.start();

try {
  const result = await dispatcher.dispatchFromFile(new URL('./hello.yaml', import.meta.url).pathname);
  console.log(`Run ${result.runId}: ${result.status}, ${result.completedTasks}/${result.totalTasks} succeeded`);
  for (const task of result.tasks) console.log(`  ${task.name.padEnd(20)} ${task.status.padEnd(10)} ${JSON.stringify(task.output)}`);
} finally {
  // Always stop: it releases the worker threads, which would otherwise keep the process alive.
  await dispatcher.stop();
}

// The state table and the run history outlive the dispatcher.
const state = new StateManager(dbPath);
console.log('shared state hello.greeting =', state.get('hello.greeting'));
state.close();
