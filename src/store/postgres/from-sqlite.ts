import { createHash } from 'node:crypto';
import { FatalError, InputError } from '../../errors.js';
import { sqliteOf } from '../sqlite-handle.js';
import type { Store } from '../store.js';
import type { PgStore } from './store.js';

// `mailshift store migrate --from job.db --to postgres://…` (issue 18): every row of every table
// of a SQLite store copied into an empty PostgreSQL store of the same schema number, in one
// PostgreSQL transaction, then checked: per-table row counts and a SHA-256 digest of every row
// (in primary-key order, every value in its column) computed on both sides must match, or the
// transaction is rolled back and nothing is left behind. Ids are copied as they are, so every
// reference between rows stays valid, and each identity sequence is moved past the largest id.

export interface TableCheck {
  table: string;
  rows: number;
  digest: string;
}

export interface MigrateResult {
  tables: TableCheck[];
  /** One digest over every table's digest: the same on both stores. */
  digest: string;
  rows: number;
}

/** The SQLite tables in an order that inserts referenced rows first (foreign keys). */
function tablesInOrder(store: Store): string[] {
  const db = sqliteOf(store);
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  const deps = new Map(names.map((n) => [n, new Set((db.pragma(`foreign_key_list("${n}")`) as { table: string }[]).map((f) => f.table).filter((t) => t !== n))]));
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const d of deps.get(n) ?? []) visit(d);
    out.push(n);
  };
  names.forEach(visit);
  return out;
}

interface Column {
  name: string;
  pk: number;
}

function columnsOf(store: Store, table: string): Column[] {
  return sqliteOf(store).pragma(`table_info("${table}")`) as Column[];
}

/** The row order both sides are read in: the primary key, else every column. */
function orderBy(cols: Column[]): string {
  const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  return (pk.length ? pk : cols).map((c) => `"${c.name}"`).join(', ');
}

/** One value as the digest sees it: type-tagged, so 1 and '1' differ and null is not ''. */
function canon(v: unknown): string {
  if (v === null || v === undefined) return 'n';
  if (typeof v === 'bigint') return `i${v.toString()}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `i${v}` : `r${v}`;
  if (Buffer.isBuffer(v)) return `b${v.toString('hex')}`;
  return `t${String(v).length}:${String(v)}`;
}

function rowHash(h: ReturnType<typeof createHash>, values: unknown[]): void {
  h.update(values.map(canon).join('\u0001'));
  h.update('\u0002');
}

/** Per-table counts and digests of a SQLite store (the tables the PostgreSQL schema also has). */
export function sqliteChecks(store: Store, tables = tablesInOrder(store)): TableCheck[] {
  const db = sqliteOf(store);
  return tables.map((table) => {
    const cols = columnsOf(store, table);
    const h = createHash('sha256');
    let rows = 0;
    const st = db.prepare(`SELECT ${cols.map((c) => `"${c.name}"`).join(', ')} FROM "${table}" ORDER BY ${orderBy(cols)}`).raw(true).safeIntegers(true);
    for (const r of st.iterate() as Iterable<unknown[]>) {
      rowHash(h, r);
      rows++;
    }
    return { table, rows, digest: h.digest('hex') };
  });
}

/** The same checks read back from PostgreSQL, columns named and ordered as in SQLite. */
export async function pgChecks(pg: PgStore, tables: { table: string; cols: Column[] }[]): Promise<TableCheck[]> {
  const out: TableCheck[] = [];
  for (const { table, cols } of tables) {
    const h = createHash('sha256');
    const res = await pg.db.raw({ text: `SELECT ${cols.map((c) => `"${c.name}"`).join(', ')} FROM "${table}" ORDER BY ${orderBy(cols)}`, rowMode: 'array' });
    for (const r of res.rows as unknown as unknown[][]) rowHash(h, r);
    out.push({ table, rows: res.rowCount ?? 0, digest: h.digest('hex') });
  }
  return out;
}

export function overall(tables: TableCheck[]): string {
  const h = createHash('sha256');
  for (const t of tables) h.update(`${t.table}:${t.rows}:${t.digest}\n`);
  return h.digest('hex');
}

const BATCH = 500;

/**
 * Copies the SQLite store into the PostgreSQL one (which must hold no job yet) and proves the
 * copy. The caller holds the SQLite store's job lock, so no sync writes meanwhile.
 */
export async function copySqliteToPg(from: Store, to: PgStore): Promise<MigrateResult> {
  const db = sqliteOf(from);
  const version = (db.prepare('SELECT max(id) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  const pgVersion = (await to.db.get<{ v: number | null }>('SELECT max(id) AS v FROM schema_migrations'))?.v ?? 0;
  if (version !== pgVersion) {
    throw new FatalError(`${from.path} is at store schema ${version} and ${to.path} at ${pgVersion}: open the SQLite store with this mailshift first (any command migrates it), then run store migrate again`);
  }
  if (await to.job()) throw new InputError(`${to.path} already holds a job: store migrate copies into an empty database only (create a new one with createdb)`);
  // Not state: the schema record is each store's own, and the job lock is held on both sides
  // by this command (in PostgreSQL as an advisory lock with its own row).
  const tables = tablesInOrder(from).filter((t) => t !== 'schema_migrations' && t !== 'job_lock');
  const pgTables = new Set((await to.db.all<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema()")).map((r) => r.t));
  const missing = tables.filter((t) => !pgTables.has(t));
  if (missing.length) throw new FatalError(`${to.path} has no table ${missing.join(', ')}: its schema does not match this SQLite store`);
  const shapes = tables.map((table) => ({ table, cols: columnsOf(from, table) }));
  const expected = sqliteChecks(from, tables);
  try {
    return await copyInOne(from, to, shapes, expected);
  } catch (err) {
    if (err instanceof FatalError || err instanceof InputError) throw err;
    throw new FatalError(`the copy into ${to.path} failed (${(err as Error).message}); nothing was written there`, { cause: err });
  }
}

async function copyInOne(from: Store, to: PgStore, shapes: { table: string; cols: Column[] }[], expected: TableCheck[]): Promise<MigrateResult> {
  const db = sqliteOf(from);
  return to.db.tx(async () => {
    for (const { table, cols } of shapes) {
      const names = cols.map((c) => `"${c.name}"`).join(', ');
      const st = db.prepare(`SELECT ${names} FROM "${table}" ORDER BY ${orderBy(cols)}`).raw(true).safeIntegers(true);
      let batch: unknown[][] = [];
      const flush = async () => {
        if (!batch.length) return;
        const args: unknown[] = [];
        const rows = batch.map((r) => `(${r.map((v) => (args.push(typeof v === 'bigint' ? v.toString() : v), `$${args.length}`)).join(', ')})`);
        await to.db.raw({ text: `INSERT INTO "${table}" (${names}) OVERRIDING SYSTEM VALUE VALUES ${rows.join(', ')}`, values: args });
        batch = [];
      };
      for (const r of st.iterate() as Iterable<unknown[]>) {
        batch.push(r);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      // Identity columns: the next id after the largest copied one.
      if (cols.some((c) => c.name === 'id' && c.pk === 1)) {
        await to.db.raw({
          text: `SELECT setval(s, (SELECT coalesce(max(id), 0) + 1 FROM "${table}"), false) FROM pg_get_serial_sequence($1, 'id') AS s WHERE s IS NOT NULL`,
          values: [`"${table}"`],
        });
      }
    }
    const got = await pgChecks(to, shapes);
    const bad = got.filter((g, i) => g.rows !== expected[i]!.rows || g.digest !== expected[i]!.digest);
    if (bad.length) {
      const t = bad[0]!;
      const e = expected.find((x) => x.table === t.table)!;
      throw new FatalError(`the copy of ${t.table} does not match (${t.rows} rows on PostgreSQL, ${e.rows} in SQLite, or their digests differ); nothing was written to ${to.path}`);
    }
    return { tables: got, digest: overall(got), rows: got.reduce((n, t) => n + t.rows, 0) };
  });
}
