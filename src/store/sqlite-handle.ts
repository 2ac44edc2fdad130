import type Database from 'better-sqlite3';
import type { Store } from './store.js';

// The SQLite handle behind an open Store, for the store's own modules only: nothing outside
// src/store may reach the database (test/unit/sql-boundary.test.ts fails if anything does).

const handles = new WeakMap<Store, Database.Database>();

export function registerSqlite(store: Store, db: Database.Database): void {
  handles.set(store, db);
}

export function sqliteOf(store: Store): Database.Database {
  const db = handles.get(store);
  if (!db) throw new Error('this store is not backed by SQLite');
  return db;
}
