import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { FatalError } from '../errors.js';

// migrations/ sits at the package root, beside dist/ and src/ alike.
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: Number(f.slice(0, 4)), name: f.replace(/\.sql$/, ''), sql: readFileSync(dir + f, 'utf8') }));
}

/**
 * Applies the migrations the store has not seen, each in its own transaction with its
 * schema_migrations row written first. A store written by a newer mailshift is refused.
 */
export function migrate(db: Database.Database, storePath: string, migrations = readMigrations()): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const { applied, newest } = schemaRecord(db, storePath, migrations);
  // A store from before user_version was kept has 0 there; it gets the right value below.
  const version = checkUserVersion(db, storePath, newest, true);
  const done: number[] = [];
  // A migration that rebuilds a table (0013) must run with foreign keys off, SQLite's documented
  // procedure; they are checked before each commit instead and turned back on afterwards.
  const foreignKeys = Number(db.pragma('foreign_keys', { simple: true })) === 1;
  if (foreignKeys) db.pragma('foreign_keys = OFF');
  try {
    for (const m of migrations) {
      if (applied.has(m.id)) continue;
      try {
        db.transaction(() => {
          db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, new Date().toISOString());
          db.exec(m.sql);
          const broken = foreignKeys ? (db.pragma('foreign_key_check') as { table: string; parent: string }[]) : [];
          if (broken.length) {
            throw new FatalError(
              `${storePath}: migration ${m.name} would leave ${broken.length} row(s) pointing at missing rows (first: ${broken[0]!.table} -> ${broken[0]!.parent}); nothing was changed: restore the store from a backup`,
            );
          }
        })();
      } catch (err) {
        if (/already exists|duplicate column/i.test((err as Error).message)) {
          throw new FatalError(
            `${storePath} does not match its schema record (migration ${m.name} is not recorded, but ${(err as Error).message}): restore it from a backup, or move it away to start a new job`,
            { cause: err },
          );
        }
        throw err;
      }
      done.push(m.id);
    }
  } finally {
    if (foreignKeys) db.pragma('foreign_keys = ON');
  }
  const latest = Math.max(newest, ...done);
  if (latest !== version) db.pragma(`user_version = ${latest}`);
  return done;
}

/**
 * The checks `migrate` makes, for a store opened read-only (status): nothing is written. Returns
 * whether the store is at this version's schema (false: an older store, not migrated here).
 */
export function checkSchemaReadOnly(db: Database.Database, storePath: string, migrations = readMigrations()): boolean {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!has) throw new FatalError(`${storePath} is not a mailshift store (it has no schema record)`);
  const { applied, known, newest } = schemaRecord(db, storePath, migrations);
  const gap = migrations.find((m) => m.id < newest && !applied.has(m.id));
  if (gap) {
    throw new FatalError(
      `${storePath} does not match its schema record (migration ${gap.name} is not recorded, but later ones are): restore it from a backup, or move it away to start a new job`,
    );
  }
  checkUserVersion(db, storePath, newest, false);
  return newest === known;
}

/** The migrations a store records as applied; a store written by a newer mailshift is refused. */
function schemaRecord(db: Database.Database, storePath: string, migrations: Migration[]): { applied: Set<number>; known: number; newest: number } {
  const applied = new Set((db.prepare('SELECT id FROM schema_migrations').all() as { id: number }[]).map((r) => r.id));
  const known = Math.max(0, ...migrations.map((m) => m.id));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new FatalError(
      `${storePath} was written by a newer mailshift (store schema ${newest}, this version knows up to ${known}); upgrade mailshift to continue this job`,
    );
  }
  return { applied, known, newest };
}

/**
 * user_version mirrors the newest applied migration: a mismatch means the schema record was
 * edited by hand or by another program, and the tables can no longer be trusted.
 */
function checkUserVersion(db: Database.Database, storePath: string, newest: number, allowUnset: boolean): number {
  const version = Number(db.pragma('user_version', { simple: true }));
  if (version !== newest && !(allowUnset && version === 0)) {
    throw new FatalError(
      `${storePath} has a tampered schema record (user_version ${version}, migrations applied up to ${newest}): restore it from a backup, or move it away to start a new job`,
    );
  }
  return version;
}

/**
 * The tables a store of this version must have, found by applying every migration to an empty
 * in-memory database once: so the check can never drift from the migrations themselves.
 */
export function missingTables(db: Database.Database, expected: readonly string[]): string[] {
  const have = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
  return expected.filter((t) => !have.has(t));
}
