/**
 * Records the journal fixtures that test/journal/re-simulation.test.ts re-simulates: small real
 * workflows on the real runtime (Dispatcher, worker threads, a SQLite file in a temp directory),
 * each run written as test/fixtures/journals/<name>.json (manifest as deployed, transitions,
 * stored projections; see test/journal/journal-fixtures.ts).
 *
 *   node_modules/.bin/bun scripts/record-journal-fixtures.ts [NAME ...]
 *
 * Re-record after a deliberate change to recorded behaviour (a machine, a message, the
 * recorder): the re-simulation test fails on the old fixtures until then, which is the point.
 * Review the diff of the fixtures as you would a snapshot's.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Dispatcher, type RunHandle } from '../actors/dispatcher.ts';
import { defaultConfig, type SwarmConfig } from '../src/config/index.ts';
import type { SwarmLogger } from '../src/logger.ts';
import { validateManifestData } from '../src/manifest/index.ts';
import type { LoadedManifest } from '../src/manifest/types.ts';
import { SqliteStore } from '../src/store/index.ts';
import type { CommitOutcome } from '../src/store/run-lease.ts';
import type { StoreBatch, SwarmStore } from '../src/store/types.ts';
import { fixtureFromStore, JOURNAL_FIXTURES_DIR } from '../test/journal/journal-fixtures.ts';

const silent = pino({ level: 'silent', customLevels: { verbose: 15 } }) as unknown as SwarmLogger;

/** A SQLite store that can be made to refuse every commit (a disk gone), to leave a run unfinished. */
class BreakableStore extends SqliteStore {
  broken = false;
  override commit(batch: StoreBatch): CommitOutcome {
    if (this.broken) throw new Error('disk I/O error (the fixture recorder broke the store on purpose)');
    return super.commit(batch);
  }
}

function config(dbPath: string): SwarmConfig {
  const c = defaultConfig();
  c.dispatcher.state_db_path = dbPath;
  c.dispatcher.enable_websocket = false;
  c.dispatcher.local_workers = 2;
  c.dispatcher.shutdown_grace = 200;
  c.coordinator.retry_backoff_base = 5;
  c.coordinator.retry_backoff_max = 20;
  return c;
}

function loaded(manifest: Record<string, unknown>): LoadedManifest {
  return { manifest: validateManifestData(manifest), source: JSON.stringify(manifest, null, 2), format: 'yaml' };
}

const sym = (name: string, fields: Record<string, unknown> = {}) => ({ name, type: 'action', ...fields });
const op = (operation: string, more: Record<string, unknown> = {}) => ({ parameters: { operation, ...more } });

async function until(predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

const taskStatus = (store: SwarmStore, runId: string, name: string) => store.getTask(runId, name)?.status;

interface Session {
  store: SwarmStore;
  dispatcher: Dispatcher;
  dbPath: string;
}

/** One scenario: runs what it likes on a fresh dispatcher and store, returns the runs to keep. */
interface Scenario {
  name: string;
  description: string;
  record(session: Session): Promise<string>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'success-with-deps',
    description: 'a diamond of four symbols (a → b, c → d) that all succeed; outputs flow to dependents',
    async record({ dispatcher }) {
      const handle = dispatcher.deploy(
        loaded({
          name: 'diamond',
          symbols: [
            sym('a', op('echo', { message: 'from a' })),
            sym('b', { dependencies: ['a'], ...op('echo', { message: { n: 2 } }) }),
            sym('c', { dependencies: ['a'], ...op('noop') }),
            sym('d', { dependencies: ['b', 'c'], ...op('echo', { message: 'done' }) }),
          ],
        }),
      );
      return expectStatus(handle, 'succeeded');
    },
  },
  {
    name: 'retries-then-success',
    description: 'a symbol that fails twice and succeeds on its third attempt, a dependent after it, one that uses up its retries',
    async record({ dispatcher }) {
      const handle = dispatcher.deploy(
        loaded({
          name: 'retries',
          symbols: [
            sym('flaky', { retries: 3, ...op('fail', { times: 2, message: 'not yet' }) }),
            sym('after-flaky', { dependencies: ['flaky'], ...op('noop') }),
            sym('hopeless', { retries: 1, ...op('fail', { message: 'never' }) }),
          ],
        }),
      );
      return expectStatus(handle, 'failed');
    },
  },
  {
    name: 'failure-rollback-skipped',
    description: 'rollback_policy symbol: one failure rolled back, one whose rollback fails, their dependents skipped, an independent branch succeeds',
    async record({ dispatcher }) {
      const handle = dispatcher.deploy(loaded(rollbackManifest()));
      return expectStatus(handle, 'failed');
    },
  },
  {
    name: 'timeouts',
    description: 'an attempt that times out twice (retries 1), its dependent skipped, and a rollback that times out',
    async record({ dispatcher }) {
      const handle = dispatcher.deploy(
        loaded({
          name: 'timeouts',
          rollback_policy: 'symbol',
          symbols: [
            sym('slow', { timeout: 100, retries: 1, ...op('delay', { ms: 5_000 }) }),
            sym('after-slow', { dependencies: ['slow'], ...op('noop') }),
            sym('broken', {
              retries: 0,
              ...op('fail'),
              rollback: { name: 'broken-undo', type: 'action', timeout: 100, parameters: { operation: 'delay', ms: 5_000 } },
            }),
          ],
        }),
      );
      return expectStatus(handle, 'failed');
    },
  },
  {
    name: 'cancel',
    description: 'a run cancelled while two symbols run (aborted after the grace period) and one waits for them',
    async record({ dispatcher, store }) {
      const handle = dispatcher.deploy(
        loaded({
          name: 'cancel',
          symbols: [
            sym('long-1', op('delay', { ms: 5_000 })),
            sym('long-2', op('delay', { ms: 5_000 })),
            sym('waiting', { dependencies: ['long-1'], ...op('noop') }),
          ],
        }),
      );
      await until(() => ['long-1', 'long-2'].every((n) => taskStatus(store, handle.runId, n) === 'running'), 'both long tasks to run');
      handle.cancel('the fixture recorder cancelled it');
      return expectStatus(handle, 'cancelled');
    },
  },
  {
    name: 'pause-resume',
    description: 'a run paused while its first symbol runs, resumed once that one succeeded',
    async record({ dispatcher, store }) {
      const handle = dispatcher.deploy(
        loaded({
          name: 'pause',
          symbols: [sym('first', op('delay', { ms: 150 })), sym('second', { dependencies: ['first'], ...op('echo', { message: 2 }) })],
        }),
      );
      await until(() => taskStatus(store, handle.runId, 'first') === 'running', 'first to run');
      handle.pause();
      await until(() => taskStatus(store, handle.runId, 'first') === 'succeeded', 'first to succeed while paused');
      await Bun.sleep(50);
      handle.resume();
      return expectStatus(handle, 'succeeded');
    },
  },
  {
    name: 'no-capable-node',
    description: 'a symbol for a backend no node offers fails at once (task.unservable), its dependent is skipped',
    async record({ dispatcher }) {
      const handle = dispatcher.deploy(
        loaded({
          name: 'no-node',
          symbols: [
            sym('php', { dispatch: 'php_engine', parameters: { code: 'echo 1;' } }),
            sym('after-php', { dependencies: ['php'], ...op('noop') }),
            sym('fine', op('noop')),
          ],
        }),
      );
      return expectStatus(handle, 'failed');
    },
  },
  {
    name: 'replay-reused',
    description: 'a replay of a failed run (rollback_policy symbol): what succeeded is reused, the rest runs again',
    async record({ dispatcher }) {
      const original = await dispatcher.deploy(loaded(rollbackManifest())).result;
      const handle = dispatcher.replay(original.runId);
      return expectStatus(handle, 'failed');
    },
  },
  {
    name: 'resumed',
    description: 'a run whose store failed mid-run (its dispatcher gave it up unfinished), resumed by a second dispatcher',
    async record(session) {
      const store = session.store as BreakableStore;
      const handle = session.dispatcher.deploy(
        loaded({
          name: 'resumed',
          symbols: [
            sym('done-before', op('echo', { message: 'before' })),
            sym('in-flight', { dependencies: ['done-before'], ...op('delay', { ms: 400 }) }),
            sym('after', { dependencies: ['in-flight'], ...op('noop') }),
            sym('failed-before', { retries: 0, ...op('fail') }),
            sym('skipped-later', { dependencies: ['failed-before'], ...op('noop') }),
          ],
        }),
      );
      await until(() => taskStatus(store, handle.runId, 'in-flight') === 'running', 'in-flight to run');
      store.broken = true;
      await handle.result.then(
        () => {
          throw new Error('the run finished although its store was broken');
        },
        () => {},
      );
      await session.dispatcher.stop().catch(() => {});
      store.close();
      // The first dispatcher is "gone": make its ownership look like a dead process's.
      const second = new SqliteStore(session.dbPath);
      const held = second.getRunLease(handle.runId)!;
      second.claimRunLease(handle.runId, { owner: `${hostname()}:999999999:0`, leaseMs: 60_000, fromEpoch: held.epoch, onlyIfExpired: false });
      const dispatcher = new Dispatcher({ config: config(session.dbPath), store: second, logger: silent });
      session.store = second;
      session.dispatcher = dispatcher;
      dispatcher.start();
      return expectStatus(dispatcher.resume(handle.runId), 'failed');
    },
  },
  {
    name: 'saga',
    description: 'rollback_policy saga: the run fails, its succeeded symbols are compensated newest first, one compensation fails',
    async record({ dispatcher }) {
      const handle = dispatcher.deploy(loaded(sagaManifest()));
      return expectStatus(handle, 'rollback_failed');
    },
  },
  {
    name: 'rollback-by-request',
    description: 'a succeeded run compensated afterwards by hand (swarm rollback): it ends rolled_back',
    async record({ dispatcher }) {
      const manifest = sagaManifest(false);
      const done = await dispatcher.deploy(loaded({ ...manifest, rollback_policy: 'symbol', symbols: (manifest.symbols as unknown[]).slice(0, 3) })).result;
      if (done.status !== 'succeeded') throw new Error(`the run to roll back ended ${done.status}`);
      return expectStatus(dispatcher.rollback(done.runId), 'rolled_back');
    },
  },
];

function sagaManifest(failingUndo = true): Record<string, unknown> {
  const undo = (name: string, operation = 'echo') => ({ name, type: 'action', parameters: { operation, message: `${name} done` } });
  return {
    name: 'saga',
    rollback_policy: 'saga',
    symbols: [
      sym('first', { ...op('echo', { message: 'one' }), rollback: undo('undo-first') }),
      sym('second', { dependencies: ['first'], ...op('echo', { message: 'two' }), rollback: undo('undo-second', failingUndo ? 'fail' : 'echo') }),
      sym('third', { dependencies: ['second'], ...op('echo', { message: 'three' }), rollback: undo('undo-third') }),
      sym('no-undo', op('noop')),
      sym('boom', { dependencies: ['third'], retries: 0, ...op('fail') }),
    ],
  };
}

function rollbackManifest(): Record<string, unknown> {
  return {
    name: 'rollbacks',
    rollback_policy: 'symbol',
    symbols: [
      sym('ok', op('echo', { message: 'independent' })),
      sym('undone', { retries: 0, ...op('fail'), rollback: { name: 'undo', type: 'action', parameters: { operation: 'echo', message: 'undone' } } }),
      sym('undo-fails', { retries: 0, ...op('fail'), rollback: { name: 'undo-2', type: 'action', parameters: { operation: 'fail', message: 'cannot undo' } } }),
      sym('below-undone', { dependencies: ['undone'], ...op('noop') }),
      sym('below-both', { dependencies: ['below-undone', 'undo-fails'], ...op('noop') }),
      sym('after-ok', { dependencies: ['ok'], ...op('noop') }),
    ],
  };
}

async function expectStatus(handle: RunHandle, status: string): Promise<string> {
  const result = await handle.result;
  if (result.status !== status) throw new Error(`run ${handle.runId} ended ${result.status}, expected ${status}`);
  return handle.runId;
}

async function recordOne(scenario: Scenario): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-journal-fixture-'));
  const dbPath = join(dir, 'state.db');
  const store = new BreakableStore(dbPath);
  const session: Session = { store, dbPath, dispatcher: new Dispatcher({ config: config(dbPath), store, logger: silent }) };
  try {
    session.dispatcher.start();
    const runId = await scenario.record(session);
    await session.dispatcher.stop();
    const fixture = fixtureFromStore(session.store, runId, scenario.name, scenario.description);
    const file = join(JOURNAL_FIXTURES_DIR, `${scenario.name}.json`);
    writeFileSync(file, `${JSON.stringify(fixture, null, 1)}\n`);
    console.log(`${scenario.name}: ${fixture.transitions.length} transitions → ${file}`);
  } finally {
    await session.dispatcher.stop().catch(() => {});
    session.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
mkdirSync(JOURNAL_FIXTURES_DIR, { recursive: true });
for (const scenario of SCENARIOS) {
  if (wanted.length === 0 || wanted.includes(scenario.name)) await recordOne(scenario);
}
process.exit(0);
