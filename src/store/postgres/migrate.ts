import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FatalError } from '../../errors.js';
import type { Migration } from '../migrate.js';
import type { PgDb } from './db.js';

// The PostgreSQL dialect of the migrations: migrations/postgres/NNNN_*.sql, the same numbers as
// the SQLite ones (a number means the same schema on both), forward-only, one transaction each.
// Two hosts opening the same database at once take turns on a transaction-scoped advisory lock.

export const PG_MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/postgres/', import.meta.url));

/** The advisory-lock namespace of mailshift (any fixed 32-bit number; "ms" in ASCII). */
export const LOCK_CLASS = 0x6d73;
const MIGRATE_LOCK = 0;

export function readPgMigrations(dir = PG_MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: Number(f.slice(0, 4)), name: f.replace(/\.sql$/, ''), sql: readFileSync(dir + f, 'utf8') }));
}

/** Applies the migrations the database has not seen; a schema newer than this version is refused. */
export async function migratePg(db: PgDb, where: string, migrations = readPgMigrations()): Promise<number[]> {
  return db.tx(async () => {
    await db.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, MIGRATE_LOCK]);
    await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id BIGINT PRIMARY KEY, name TEXT COLLATE "C" NOT NULL, applied_at TEXT COLLATE "C" NOT NULL)`);
    const applied = new Set((await db.all<{ id: number }>('SELECT id FROM schema_migrations')).map((r) => r.id));
    checkNewest(applied, migrations, where);
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.id)) continue;
      await db.query('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)', [m.id, m.name, new Date().toISOString()]);
      await db.exec(m.sql);
      done.push(m.id);
    }
    return done;
  });
}

/** The schema this database records, checked without writing (store check, status). */
export async function checkPgSchema(db: PgDb, where: string, migrations = readPgMigrations()): Promise<string[]> {
  const has = await db.get<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!has?.t) return [`${where} is not a mailshift store (it has no schema record)`];
  const applied = new Set((await db.all<{ id: number }>('SELECT id FROM schema_migrations')).map((r) => r.id));
  checkNewest(applied, migrations, where);
  const missing = migrations.filter((m) => !applied.has(m.id)).map((m) => m.name);
  return missing.length ? [`migrations not applied: ${missing.join(', ')}`] : [];
}

function checkNewest(applied: Set<number>, migrations: Migration[], where: string): void {
  const known = Math.max(0, ...migrations.map((m) => m.id));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new FatalError(
      `${where} was written by a newer mailshift (store schema ${newest}, this version knows up to ${known}); upgrade mailshift to continue this job`,
    );
  }
}
