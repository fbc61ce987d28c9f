import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test';
import {
  APPEND_MODULE,
  appendManifest,
  countBySymbol,
  DbWatch,
  describeKills,
  FAN_OUT,
  killAndRecord,
  readLines,
  waitUntil,
  WORKFLOW,
  type KillRecord,
  type Step,
} from './crash-harness.ts';
import { killDispatchers, startDispatcher, within } from './dispatcher-process.ts';
import { removeTempDirs, sandbox, spawnCli, swarm, swarmJson, writeManifest } from './helpers.ts';

/**
 * Crash recovery, for real: the process hosting a run (`swarm start-dispatcher`, `swarm run`)
 * is SIGKILLed while a workflow whose tasks append a line to a file (their side effect) runs,
 * at points picked by watching that file and the database; a new process on the same database
 * takes the run up, until it completes. Then: every task succeeded exactly once in the
 * projections and in the journal, no task that had succeeded before a kill ran again, every task
 * ran at least once, each new attempt continued the count, and the database passes
 * `PRAGMA integrity_check` after every kill and at the end.
 */

// Child processes with worker threads on a shared 2-core machine; every wait inside is bounded.
setDefaultTimeout(60_000);

type Child = ReturnType<typeof spawnCli>;
/** `swarm run` children of the running test, SIGKILLed after it whatever happened. */
const runChildren = new Set<Child>();

afterEach(async () => {
  for (const child of [...runChildren]) {
    if (child.exitCode === null) child.kill('SIGKILL');
    await child.exited;
    runChildren.delete(child);
  }
  await killDispatchers();
  removeTempDirs();
});

const NAMES = WORKFLOW.map((s) => s.name);
/** States of a task that has been handed to a node (in this life or an earlier one) or is past that. */
const DISPATCHED = new Set(['assigned', 'running', 'succeeded']);

interface Observed {
  /** Task statuses in the database. */
  st: Record<string, string>;
  /** Side-effect lines per symbol in the file. */
  ln: Record<string, number>;
}

interface KillPoint {
  label: string;
  reached(o: Observed): boolean;
}

/**
 * Where the hosting process is killed, in order, after the first kill (as soon as the run is
 * recorded); each point is watched for on a fresh process that has taken the run up. The
 * conditions only ever become true as the run goes on: a point the run is already past (a kill
 * that landed late) is taken at once, right after the take-over — a kill point of its own.
 */
const KILL_POINTS: KillPoint[] = [
  { label: 'first task dispatched, before its side effect', reached: ({ st }) => DISPATCHED.has(st.a) },
  { label: 'first task after its side effect, not yet succeeded', reached: ({ st, ln }) => (ln.a ?? 0) >= 1 || st.a === 'succeeded' },
  { label: 'between tasks: the first succeeded, the second not started', reached: ({ st }) => st.a === 'succeeded' },
  { label: 'second task after its side effect', reached: ({ st, ln }) => (ln.b ?? 0) >= 1 || st.b === 'succeeded' },
  { label: 'fan-out: all four branches dispatched', reached: ({ st }) => FAN_OUT.every((f) => DISPATCHED.has(st[f])) },
  { label: 'fan-out: some branches succeeded, others running', reached: ({ st }) => FAN_OUT.some((f) => st[f] === 'succeeded') },
  { label: 'fan-in: every branch succeeded, the join dispatched', reached: ({ st }) => FAN_OUT.every((f) => st[f] === 'succeeded') },
  { label: 'just before the last task (the one before it succeeded)', reached: ({ st }) => st.k === 'succeeded' },
  { label: 'the last task after its side effect, not yet succeeded', reached: ({ st, ln }) => (ln.z ?? 0) >= 1 || st.z === 'succeeded' },
];

function point(label: string, reached: KillPoint['reached']): KillPoint {
  return { label, reached };
}

/** One life of a hosting process: the child to kill, and how to tell it is ours. */
interface Life {
  what: KillRecord['process'];
  child: { pid: number; exitCode: number | null; kill(signal: NodeJS.Signals): void; exited: Promise<number> };
  /** stderr so far, for failure messages. */
  stderr(): string;
  /** `swarm run` only: its output once it has exited. */
  finish?: () => Promise<{ code: number; stdout: string; stderr: string }>;
  /** start-dispatcher only: where it listens; SIGTERM and the exit code. */
  url?: string;
  stop?: () => Promise<number>;
}

/** Reads a child's stream to the end in the background; `text()` is what came so far. */
function drain(stream: ReadableStream<Uint8Array>): { text(): string; done: Promise<string> } {
  let text = '';
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
    return text;
  })();
  return { text: () => text, done };
}

/** A `swarm run …` child process (killed after the test if still running). */
function swarmRun(args: string[], config: string): Life {
  const child = spawnCli(['run', ...args], config);
  runChildren.add(child);
  const stdout = drain(child.stdout);
  const stderr = drain(child.stderr);
  return {
    what: 'run',
    child,
    stderr: stderr.text,
    finish: async () => {
      const code = await child.exited;
      return { code, stdout: await stdout.done, stderr: await stderr.done };
    },
  };
}

async function dispatcherLife(config: string, db: string): Promise<Life> {
  const d = await startDispatcher(config, ['--db', db]);
  return { what: 'dispatcher', child: d.child, url: d.url, stderr: d.stderr, stop: () => d.stop() };
}

/**
 * Waits until `life` owns the run (it took the run up); fails at once if it exits meanwhile.
 * A dispatcher records itself as the owner before it prints where it listens, so for one the
 * wait is short; `swarm run --resume` has to start first.
 */
async function takesOver(life: Life, watch: DbWatch, runId: string): Promise<Life> {
  await waitUntil(
    () => {
      if (watch.ownerPid(runId) === life.child.pid) return true;
      if (life.child.exitCode !== null) throw new Error(`the ${life.what} process exited (${life.child.exitCode}) without taking the run up:\n${life.stderr()}`);
      return false;
    },
    life.what === 'dispatcher' ? 2_000 : 20_000,
    `the ${life.what} process (pid ${life.child.pid}) to take the run up (its owner: ${watch.owner(runId)})\n${life.stderr()}`,
  );
  return life;
}

function observe(watch: DbWatch, runId: string, file: string): Observed {
  return { st: watch.statuses(runId), ln: countBySymbol(readLines(file, runId)) };
}

/**
 * For each point: a new life (`launch`) takes the run up, runs until the point is reached, and is
 * SIGKILLed; what it left is appended to `kills`.
 */
async function killAtPoints(
  points: KillPoint[],
  launch: () => Promise<Life>,
  ctx: { watch: DbWatch; runId: string; file: string; kills: KillRecord[] },
): Promise<void> {
  const { watch, runId, file, kills } = ctx;
  for (const p of points) {
    const life = await takesOver(await launch(), watch, runId);
    await waitUntil(
      () => p.reached(observe(watch, runId, file)) || watch.run(runId)?.status !== 'running' || life.child.exitCode !== null,
      20_000,
      `kill point "${p.label}"`,
    );
    if (watch.run(runId)?.status !== 'running' || life.child.exitCode !== null) {
      throw new Error(`the run ended (or its process exited) before "${p.label}"\n${describeKills(kills)}\n${life.stderr()}`);
    }
    kills.push(await killAndRecord(life.child, life.what, p.label, watch, runId, file));
  }
}

/** Waits for `path`'s WAL file: the database exists and is set up, so a second connection is safe. */
async function openWatch(db: string): Promise<DbWatch> {
  await waitUntil(() => existsSync(`${db}-wal`), 20_000, 'the state database');
  return new DbWatch(db);
}

/** What must hold once a run that was killed (at `kills`) has completed: see the file comment. */
function expectRecovered(watch: DbWatch, runId: string, file: string, kills: KillRecord[], steps: Step[] = WORKFLOW): void {
  const names = steps.map((s) => s.name);
  const context = `kills:\n${describeKills(kills)}`;
  // CRASH_TEST_LOG=1 bun test test/cli/crash-recovery.test.ts: where each kill landed.
  if (process.env.CRASH_TEST_LOG) console.log(`${context}\nlines at the end: ${JSON.stringify(countBySymbol(readLines(file, runId)))}`);
  expect(watch.run(runId), context).toEqual({ status: 'succeeded', completed: names.length, failed: 0 });
  const tasks = watch.tasks(runId);
  // One projection row per symbol, succeeded; one `succeeded` transition per task in the journal.
  expect(tasks.map((t) => t.name), context).toEqual(names);
  for (const t of tasks) expect(`${t.name}: ${t.status}`, context).toBe(`${t.name}: succeeded`);
  expect(watch.succeededTransitions(runId), context).toEqual(Object.fromEntries(names.map((n) => [n, 1])));

  const lines = readLines(file, runId);
  const counts = countBySymbol(lines);
  // At least once: every task's side effect happened.
  for (const n of names) expect(counts[n] ?? 0, `${n} never ran; ${context}`).toBeGreaterThanOrEqual(1);
  // Never again once succeeded: a task succeeded at a kill has exactly the lines it had then.
  const reruns: string[] = [];
  for (const [i, k] of kills.entries()) {
    for (const [n, status] of Object.entries(k.statuses)) {
      if (status !== 'succeeded') continue;
      if ((k.lines[n] ?? 0) < 1) reruns.push(`${n} was succeeded at kill ${i + 1} without its side effect`);
      if ((counts[n] ?? 0) !== k.lines[n]) reruns.push(`${n}: ${k.lines[n]} line(s) at kill ${i + 1} (succeeded), ${counts[n]} at the end`);
    }
  }
  expect(reruns, context).toEqual([]);
  // Each new attempt continues the count (no attempt number is run twice), and the last line
  // of a task is its succeeded attempt.
  for (const t of tasks) {
    const attempts = lines.filter((l) => l.symbol === t.name).map((l) => l.attempt);
    expect(attempts, `${t.name}; ${context}`).toEqual([...new Set(attempts)].sort((x, y) => x - y));
    expect(attempts.at(-1), `${t.name}; ${context}`).toBe(t.attempts);
  }
  // A dependent never started before its dependencies' success was durable: at every kill, a
  // task that had left `pending` (or done its side effect) had all its dependencies succeeded.
  const early: string[] = [];
  for (const [i, k] of kills.entries()) {
    for (const s of steps) {
      if (k.statuses[s.name] === 'pending' && !k.lines[s.name]) continue;
      const undone = (s.deps ?? []).filter((d) => k.statuses[d] !== 'succeeded');
      if (undone.length > 0) early.push(`kill ${i + 1}: ${s.name} ${k.statuses[s.name]} while ${undone.join(', ')} not succeeded`);
    }
  }
  expect(early, context).toEqual([]);
  for (const [i, k] of kills.entries()) expect(k.integrity, `integrity after kill ${i + 1}`).toEqual(['ok']);
  expect(watch.integrity()).toEqual(['ok']);
}

/** `swarm history --json`: the coordinator's lives (one `run.start` each) and the tasks recovered. */
async function historyOf(runId: string, config: string, db: string) {
  const history = await swarmJson(['history', runId, '--db', db], config);
  expect(history.code).toBe(0);
  const transitions = history.json.transitions as { actorKind: string; event: string; payload: Record<string, unknown> | null }[];
  const starts = transitions.filter((t) => t.actorKind === 'coordinator' && t.event === 'run.start');
  return {
    starts: starts.length,
    resumedStarts: starts.filter((t) => t.payload?.resumed !== undefined).length,
    recovered: transitions.filter((t) => t.event === 'task.recover').length,
  };
}

/**
 * The history of a run killed `kills` times: the coordinator restarted. A process killed right
 * after it took the run up may die before its first group commit (5 ms), so not every life
 * need be in the journal; the first and at least one resumed one are.
 */
async function expectRestartsInHistory(runId: string, config: string, db: string, kills: KillRecord[]): Promise<void> {
  const history = await historyOf(runId, config, db);
  expect(history.starts).toBeGreaterThanOrEqual(2);
  expect(history.starts).toBeLessThanOrEqual(kills.length + 1);
  expect(history.resumedStarts).toBeGreaterThanOrEqual(1);
  expect(history.recovered).toBeGreaterThanOrEqual(1);
}

/** The one JSON document a `--json` command printed, or an error showing what it printed. */
function parseJson(done: { code: number; stdout: string; stderr: string }): any {
  try {
    return JSON.parse(done.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${done.code}):\n${done.stdout}\nstderr:\n${done.stderr}`);
  }
}

async function finishByResume(config: string, db: string, watch: DbWatch, runId: string): Promise<void> {
  const last = await takesOver(swarmRun(['--resume', runId, '--db', db, '--json'], config), watch, runId);
  const done = await within(last.finish!(), 30_000, 'swarm run --resume to the end');
  expect(done.code, done.stderr).toBe(0);
  expect(parseJson(done)).toMatchObject({ runId, status: 'succeeded', completedTasks: NAMES.length, failedTasks: 0 });
}

/** The first run recorded in the database, once `life` (which deployed it) has recorded it. */
function firstRun(watch: DbWatch, life: Life): Promise<string> {
  return waitUntil(
    () => {
      const id = watch.runIds()[0];
      if (id) return id;
      if (life.child.exitCode !== null) throw new Error(`the ${life.what} process exited (${life.child.exitCode}) before recording the run:\n${life.stderr()}`);
      return null;
    },
    30_000,
    'the run in the database',
  );
}

describe('crash recovery: SIGKILL, then a new process on the same database', () => {
  // Also the regression test of 7913461's fix: Dispatcher.resumeOrphanedRuns asked the store
  // for `listRuns({ limit: 0, … })`, which is SQL `LIMIT 0`, so a starting dispatcher resumed nothing.
  test('start-dispatcher killed at 10 points (during deploy, in and between tasks, fan-out, fan-in, the last task) resumes the run by itself each time', async () => {
    const { dir, config, db } = sandbox();
    const file = join(dir, 'effects.log');
    const manifest = writeManifest(dir, 'append.yaml', appendManifest('append-chain', file));
    const d = await startDispatcher(config, ['--db', db]);
    const watch = new DbWatch(db); // start-dispatcher has created and migrated it
    try {
      // Point 1: the dispatcher dies as soon as the run is recorded, the deploy still in flight.
      const deploying = swarm(['deploy', manifest, '--url', d.url, '--detach'], config);
      const runId = await waitUntil(() => watch.runIds()[0], 20_000, 'the deployed run in the database');
      const kills = [await killAndRecord(d.child, 'dispatcher', 'the run just recorded, swarm deploy in flight', watch, runId, file)];
      await deploying; // 0, or 3 when the dispatcher died before it answered: the run is recorded either way
      expect(kills[0].lines).toEqual({});

      await killAtPoints(KILL_POINTS, () => dispatcherLife(config, db), { watch, runId, file, kills });
      expect(kills.length).toBeGreaterThanOrEqual(10);

      // The last dispatcher takes the run up and it completes; it then stops cleanly.
      const last = await takesOver(await dispatcherLife(config, db), watch, runId);
      expect(last.stderr()).toContain('resumed an unfinished run');
      await waitUntil(() => watch.run(runId)?.status !== 'running', 20_000, 'the run to end', 20);
      expect(await last.stop!()).toBe(0);

      expectRecovered(watch, runId, file, kills);
      expect(Object.values(countBySymbol(readLines(file, runId))).some((n) => n >= 2), describeKills(kills)).toBe(true);
      await expectRestartsInHistory(runId, config, db, kills);
      const shown = await swarmJson(['show', runId, '--db', db], config);
      expect(shown.json).toMatchObject({ runId, status: 'succeeded', totalTasks: NAMES.length, completedTasks: NAMES.length, failedTasks: 0 });
    } finally {
      watch.close();
    }
  });

  test('swarm run killed at 10 points (as the run is recorded, in and between tasks, fan-out, fan-in, the last task), taken up by swarm run --resume each time', async () => {
    const { dir, config, db } = sandbox();
    const file = join(dir, 'effects.log');
    const manifest = writeManifest(dir, 'append.yaml', appendManifest('append-chain', file));
    const first = swarmRun([manifest, '--db', db, '--json'], config);
    const watch = await openWatch(db);
    try {
      // Point 1: as soon as the run is recorded.
      const runId = await firstRun(watch, first);
      const kills = [await killAndRecord(first.child, 'run', 'the run just recorded', watch, runId, file)];
      expect(kills[0].lines).toEqual({});

      // A unique prefix is enough for --resume.
      let life = 0;
      await killAtPoints(KILL_POINTS, async () => swarmRun(['--resume', life++ % 2 ? runId : runId.slice(0, 12), '--db', db, '--json'], config), {
        watch,
        runId,
        file,
        kills,
      });
      expect(kills.length).toBeGreaterThanOrEqual(10);
      await finishByResume(config, db, watch, runId);

      expectRecovered(watch, runId, file, kills);
      // The kills hit tasks in flight: some ran more than once (at least once, not exactly once).
      expect(Object.values(countBySymbol(readLines(file, runId))).some((n) => n >= 2), describeKills(kills)).toBe(true);
      await expectRestartsInHistory(runId, config, db, kills);
    } finally {
      watch.close();
    }
  });

  test('start-dispatcher killed mid-task (deployed with swarm deploy --detach), then swarm run --resume killed in the fan-out, then finished by swarm run --resume', async () => {
    const { dir, config, db } = sandbox();
    const file = join(dir, 'effects.log');
    // The module path is relative to the manifest: resumed elsewhere, it resolves from the stored path.
    copyFileSync(APPEND_MODULE, join(dir, 'append-line.ts'));
    const manifest = writeManifest(dir, 'append.yaml', appendManifest('append-chain', file, WORKFLOW, './append-line.ts'));
    const d = await startDispatcher(config, ['--db', db]);
    const deployed = await swarmJson(['deploy', manifest, '--url', d.url, '--detach'], config);
    expect(deployed.code).toBe(0);
    const runId = deployed.json.runId as string;
    const watch = await openWatch(db);
    try {
      expect(watch.ownerPid(runId)).toBe(d.child.pid);
      await waitUntil(() => (countBySymbol(readLines(file, runId)).b ?? 0) >= 1, 20_000, 'the second task’s side effect');
      const kills = [await killAndRecord(d.child, 'dispatcher', 'start-dispatcher: second task after its side effect', watch, runId, file)];

      await killAtPoints(
        [point('fan-out: some branches succeeded, others running', ({ st }) => FAN_OUT.some((f) => st[f] === 'succeeded'))],
        async () => swarmRun(['--resume', runId, '--db', db, '--json'], config),
        { watch, runId, file, kills },
      );
      await finishByResume(config, db, watch, runId);

      expectRecovered(watch, runId, file, kills);
      const history = await historyOf(runId, config, db);
      expect(history.starts).toBe(kills.length + 1); // every life ran long enough to be journaled
      expect(history.resumedStarts).toBe(kills.length);
    } finally {
      watch.close();
    }
  });

  test('a dispatcher that starts after a swarm run was SIGKILLed takes its run up, and is killed too; swarm run --resume finishes it', async () => {
    const { dir, config, db } = sandbox();
    const file = join(dir, 'effects.log');
    const manifest = writeManifest(dir, 'append.yaml', appendManifest('append-chain', file));
    const first = swarmRun([manifest, '--db', db, '--json'], config);
    const watch = await openWatch(db);
    try {
      const runId = await firstRun(watch, first);
      await takesOver(first, watch, runId);
      await waitUntil(() => watch.statuses(runId).b === 'succeeded', 20_000, 'the second task to succeed');
      const kills = [await killAndRecord(first.child, 'run', 'swarm run: the chain started', watch, runId, file)];

      await killAtPoints(
        [point('the join after its side effect', ({ ln }) => (ln.j ?? 0) >= 1)],
        () => dispatcherLife(config, db),
        { watch, runId, file, kills },
      );
      await finishByResume(config, db, watch, runId);

      expectRecovered(watch, runId, file, kills);
      const history = await historyOf(runId, config, db);
      expect(history.starts).toBe(kills.length + 1);
      expect(history.resumedStarts).toBe(kills.length);
    } finally {
      watch.close();
    }
  });

  test('a dispatcher leaves alone a run whose owner (a swarm run) is alive; --resume of a live or a finished run is exit 2', async () => {
    const { dir, config, db } = sandbox();
    const file = join(dir, 'effects.log');
    const steps: Step[] = [
      { name: 's1', before: 0, after: 100 },
      { name: 's2', deps: ['s1'], before: 0, after: 3_000 },
      { name: 's3', deps: ['s2'], before: 0, after: 100 },
    ];
    const manifest = writeManifest(dir, 'slow.yaml', appendManifest('slow-append', file, steps));
    const owner = swarmRun([manifest, '--db', db, '--json'], config);
    await waitUntil(() => readLines(file).some((l) => l.symbol === 's2'), 20_000, 'the slow task to start');
    const watch = new DbWatch(db);
    try {
      const runId = watch.runIds()[0];
      expect(watch.ownerPid(runId)).toBe(owner.child.pid);

      const d = await dispatcherLife(config, db);
      // Not resumed: still owned by the live `swarm run`, not active on the dispatcher.
      expect(watch.ownerPid(runId)).toBe(owner.child.pid);
      const status = (await (await fetch(`${d.url}/api/status`)).json()) as { workflows: { active: number } };
      expect(status.workflows.active).toBe(0);
      expect(d.stderr()).not.toContain('resumed an unfinished run');

      const live = await swarmJson(['run', '--resume', runId, '--db', db], config);
      expect(live.code).toBe(2);
      expect(live.json.error.message).toContain(`Run ${runId} is still hosted by a live process`);
      expect(watch.ownerPid(runId)).toBe(owner.child.pid);

      // The dispatcher stops without touching the run it does not host.
      expect(await d.stop!()).toBe(0);
      const done = await within(owner.finish!(), 30_000, 'the owning swarm run to end');
      expect(done.code, done.stderr).toBe(0);
      expect(parseJson(done)).toMatchObject({ runId, status: 'succeeded', completedTasks: 3 });
      // Every task ran exactly once, by its owner.
      expect(readLines(file)).toEqual(steps.map((s) => ({ runId, symbol: s.name, attempt: 1 })));
      expect(watch.tasks(runId).map((t) => [t.name, t.status, t.attempts])).toEqual(steps.map((s) => [s.name, 'succeeded', 1]));

      const finished = await swarmJson(['run', '--resume', runId, '--db', db], config);
      expect(finished.code).toBe(2);
      expect(finished.json.error.message).toContain(`Run ${runId} is succeeded; only an unfinished run can be resumed`);
      expect(watch.integrity()).toEqual(['ok']);
    } finally {
      watch.close();
    }
  });
});
