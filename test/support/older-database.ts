import { Database } from 'bun:sqlite';
import { expect } from 'bun:test';
import { applyMigrations } from '../../src/store/migrations.ts';
import { configureConnection } from '../../src/store/sqlite-connection.ts';

/** A SQLite file at `path` as a release at schema `version` left it (no rows yet), open. */
export function databaseAtVersion(path: string, version: number): Database {
  const db = new Database(path);
  configureConnection(db);
  expect(applyMigrations(db, version)).toBe(version);
  return db;
}
