import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';

// The PostgreSQL handle behind a PgStore, for src/store/postgres only. The store's SQL is the
// SQLite store's SQL with `?` placeholders; `sql()` turns it into PostgreSQL's ($1, $2, … and
// quoted camelCase aliases, which PostgreSQL would otherwise fold to lower case).
//
// A transaction is a unit of work on one pooled connection: `tx(fn)` checks a client out, runs
// BEGIN, and every query made inside `fn` (found through AsyncLocalStorage, so the aggregate
// code reads the same inside and outside a transaction) goes to that client until COMMIT.

/** BIGINT and NUMERIC (sum/count) come back as numbers: ids, UIDs and sizes stay below 2^53. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

const cache = new Map<string, string>();

/** SQLite-style SQL to PostgreSQL: placeholders numbered, camelCase aliases quoted. */
export function sql(text: string): string {
  let out = cache.get(text);
  if (out === undefined) {
    let n = 0;
    out = text
      .replace(/'(?:[^']|'')*'|\?/g, (m) => (m === '?' ? `$${++n}` : m))
      .replace(/\bAS\s+([a-z][a-z0-9]*[A-Z][A-Za-z0-9]*)\b/g, 'AS "$1"');
    cache.set(text, out);
  }
  return out;
}

type Queryable = pg.Pool | pg.PoolClient;

export class PgDb {
  readonly pool: pg.Pool;
  readonly #tx = new AsyncLocalStorage<pg.PoolClient>();

  constructor(config: pg.PoolConfig) {
    this.pool = new pg.Pool({ ...config, types: TYPES });
    // An idle client that loses its server is dropped by the pool; the next query gets a new one.
    this.pool.on('error', () => undefined);
  }

  #q(): Queryable {
    return this.#tx.getStore() ?? this.pool;
  }

  async query<T = Record<string, unknown>>(text: string, args: unknown[] = []): Promise<pg.QueryResult<T & pg.QueryResultRow>> {
    if (args.length === 1 && isRecord(args[0]) && /@[A-Za-z_]/.test(text)) [text, args] = named(text, args[0]);
    return this.#q().query<T & pg.QueryResultRow>(sql(text), args.map(param));
  }

  /** A query as node-postgres takes it ($n placeholders, rowMode): no translation. */
  async raw(q: pg.QueryConfig | pg.QueryArrayConfig): Promise<pg.QueryResult> {
    return this.#q().query(q as pg.QueryConfig);
  }

  /** SQL run as written (a migration's several statements), no parameters. */
  async exec(text: string): Promise<void> {
    await this.#q().query(text);
  }

  async get<T>(text: string, ...args: unknown[]): Promise<T | undefined> {
    return (await this.query<T>(text, args)).rows[0];
  }

  async all<T>(text: string, ...args: unknown[]): Promise<T[]> {
    return (await this.query<T>(text, args)).rows;
  }

  /** Runs a write; `changes` as better-sqlite3 reports it. */
  async run(text: string, ...args: unknown[]): Promise<{ changes: number }> {
    return { changes: (await this.query(text, args)).rowCount ?? 0 };
  }

  /** An INSERT's new id (the statement must end in RETURNING id). */
  async insertId(text: string, ...args: unknown[]): Promise<number> {
    return Number((await this.query<{ id: number }>(text, args)).rows[0]!.id);
  }

  /** A statement used several times (a loop's insert): the same text, run through this handle. */
  stmt(text: string): { run(...args: unknown[]): Promise<{ changes: number }>; get<T>(...args: unknown[]): Promise<T | undefined>; all<T>(...args: unknown[]): Promise<T[]> } {
    return {
      run: (...args) => this.run(text, ...args),
      get: <T>(...args: unknown[]) => this.get<T>(text, ...args),
      all: <T>(...args: unknown[]) => this.all<T>(text, ...args),
    };
  }

  /** One unit of work: committed when `fn` resolves, rolled back when it throws. Nested calls join it. */
  async tx<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#tx.getStore()) return fn();
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const out = await this.#tx.run(client, fn);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Parameters as SQLite would store them: bigint as its decimal text is not wanted here, numbers are. */
function param(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** better-sqlite3's named parameters (@name, bound from one object) as positional ones. */
function named(text: string, values: Record<string, unknown>): [string, unknown[]] {
  const args: unknown[] = [];
  const out = text.replace(/'(?:[^']|'')*'|@([A-Za-z_]\w*)/g, (m, name: string | undefined) => {
    if (!name) return m;
    args.push(values[name] ?? null);
    return '?';
  });
  return [out, args];
}
