import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreUnavailableError, UsageError } from '../src/errors.ts';
import { StateManager } from '../src/state-manager.ts';
import { storableStateValue } from '../src/state-keys.ts';
import { SqliteStore } from '../src/store/sqlite-store.ts';
import type { RunStatus } from '../src/store/types.ts';
import { newRun, newTask } from './store-conformance.ts';

const dir = mkdtempSync(join(tmpdir(), 'swarm-state-manager-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const dbPath = (): string => join(dir, `state-${counter++}.db`);

describe('StateManager', () => {
  test('creates the database file and exposes its SqliteStore', () => {
    const path = dbPath();
    const manager = new StateManager(path);
    expect(existsSync(path)).toBe(true);
    expect(manager.store).toBeInstanceOf(SqliteStore);
    expect(manager.store.location).toBe(path);
    manager.close();
    manager.close();
  });

  test('get / set / delete JSON values, persisted across instances', () => {
    const path = dbPath();
    const manager = new StateManager(path);
    expect(manager.get('missing')).toBeUndefined();
    manager.set('config', { retries: 3, hosts: ['a', 'b'] });
    manager.set('count', 7);
    manager.set('nothing', undefined);
    expect(manager.get('config')).toEqual({ retries: 3, hosts: ['a', 'b'] });
    expect(manager.get('nothing')).toBeNull();
    expect(manager.delete('count')).toBe(true);
    expect(manager.delete('count')).toBe(false);
    manager.close();

    const again = new StateManager(path);
    expect(again.get('config')).toEqual({ retries: 3, hosts: ['a', 'b'] });
    expect(again.get('count')).toBeUndefined();
    again.close();
  });

  test('a key that is not a non-empty string is a StateCallError naming the call, not a raw SQL error', () => {
    const manager = new StateManager(dbPath());
    const bad = [
      () => manager.set({ a: 1 } as never, undefined),
      () => manager.set('', 1),
      () => manager.get(undefined as never),
      () => manager.delete(5 as never),
    ];
    for (const call of bad) {
      expect(call).toThrow(expect.objectContaining({ name: 'StateCallError', code: 'STATE_CALL_INVALID' }));
    }
    expect(() => manager.set({ a: 1 } as never, undefined)).toThrow('StateManager.set(key, value) takes a key (a non-empty string)');
    expect(manager.get('a')).toBeUndefined();
    manager.close();
  });

  test('a key (or a module\'s value) with a lone UTF-16 surrogate is refused: SQLite would store the key as U+FFFD, a value would reach backends as text UTF-8 cannot hold', () => {
    const manager = new StateManager(dbPath());
    expect(() => manager.set('k\ud800', 1)).toThrow(expect.objectContaining({ name: 'StateCallError', code: 'STATE_CALL_INVALID' }));
    expect(() => manager.set('k\ud800', 1)).toThrow('its key was a string with a lone UTF-16 surrogate ("k\\ud800")');
    // A module's value is checked in its thread, before it reaches the manager.
    expect(() => storableStateValue('k', { v: '\udc00' })).toThrow('a lone UTF-16 surrogate at $.v');
    expect(manager.get('k\ufffd')).toBeUndefined();
    expect(manager.get('k')).toBeUndefined();
    manager.close();
  });

  test('listRuns and getRun read the run history', () => {
    const manager = new StateManager(dbPath());
    manager.store.createRun(newRun('first', { createdAt: 1 }), [newTask('first', 'a')]);
    manager.store.createRun(newRun('second', { createdAt: 2, status: 'succeeded' }), []);
    expect(manager.listRuns().map((r) => r.id)).toEqual(['second', 'first']);
    expect(manager.listRuns({ status: ['succeeded'] }).map((r) => r.id)).toEqual(['second']);
    expect(manager.getRun('first')).toMatchObject({ id: 'first', status: 'running' });
    expect(manager.getRun('nope')).toBeUndefined();
    manager.close();
  });

  test('cleanup deletes finished runs older than the cutoff and keeps the rest', () => {
    const manager = new StateManager(dbPath());
    const now = 1_000_000;
    const runs: [string, number, RunStatus][] = [
      ['old-succeeded', now - 10_000, 'succeeded'],
      ['old-failed', now - 10_000, 'failed'],
      ['old-running', now - 10_000, 'running'],
      ['recent-succeeded', now - 1_000, 'succeeded'],
    ];
    for (const [id, createdAt, status] of runs) manager.store.createRun(newRun(id, { createdAt, status }), [newTask(id, 't')]);
    manager.set('kept', true);

    expect(manager.cleanup(5_000, now)).toBe(2);
    expect(manager.listRuns().map((r) => r.id).sort()).toEqual(['old-running', 'recent-succeeded']);
    expect(manager.store.getTasks('old-failed')).toEqual([]);
    expect(manager.get('kept')).toBe(true);
    expect(manager.cleanup(0, now)).toBe(1);
    expect(manager.listRuns().map((r) => r.id)).toEqual(['old-running']);
    expect(() => manager.cleanup(-1)).toThrow(UsageError);
    expect(() => manager.cleanup(Number.NaN)).toThrow(UsageError);
    manager.close();
  });

  test('cleanup defaults `now` to the current time', () => {
    const manager = new StateManager(dbPath());
    manager.store.createRun(newRun('ancient', { createdAt: 1, status: 'cancelled' }), []);
    manager.store.createRun(newRun('fresh', { createdAt: Date.now(), status: 'cancelled' }), []);
    expect(manager.cleanup(60_000)).toBe(1);
    expect(manager.getRun('fresh')).toBeDefined();
    manager.close();
  });

  test('an unopenable path throws StoreUnavailableError', () => {
    expect(() => new StateManager(join(dir, 'missing', 'state.db'))).toThrow(StoreUnavailableError);
  });
});
