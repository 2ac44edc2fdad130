import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncStore } from '../../src/store/contract/async.js';
import type { AsyncJobStore, JobStore } from '../../src/store/contract/index.js';
import { openMemoryStore, type MemoryStore } from '../../src/store/memory/index.js';
import { PgStore } from '../../src/store/postgres/store.js';
import { Store } from '../../src/store/store.js';
import { usePostgres, type PgCluster } from '../support/postgres.js';

/**
 * One implementation of the store contract, as the suite opens it: always through the async
 * form (src/store/contract/async.ts), so one suite covers SQLite, memory and PostgreSQL alike.
 */
export interface StoreFactory {
  name: string;
  open(): Promise<AsyncJobStore>;
  /** The next process after a crash: a new store on what `prev` left, `prev` never closed. */
  reopen(prev: AsyncJobStore): Promise<AsyncJobStore>;
  cleanup(): Promise<void>;
}

export function sqliteFactory(): StoreFactory {
  const dirs: string[] = [];
  const open: JobStore[] = [];
  const track = (s: JobStore) => (open.push(s), asyncStore(s));
  return {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'mailshift-contract-'));
      dirs.push(dir);
      return track(Store.open(join(dir, 'job.db')));
    },
    async reopen(prev) {
      return track(Store.open(prev.path));
    },
    async cleanup() {
      for (const s of open.splice(0)) s.close();
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

export function memoryFactory(): StoreFactory {
  const data = new WeakMap<AsyncJobStore, MemoryStore>();
  const track = (s: MemoryStore) => {
    const a = asyncStore(s);
    data.set(a, s);
    return a;
  };
  return {
    name: 'memory',
    open: async () => track(openMemoryStore()),
    reopen: async (prev) => track(openMemoryStore({ data: data.get(prev)!.data })),
    async cleanup() {},
  };
}


/**
 * PostgreSQL: a cluster per test file (test/support/postgres.ts), a database per store. The
 * cluster starts on first use; `reopen` is a new connection pool on the same database.
 */
export function postgresFactory(cluster: PgCluster): StoreFactory {
  const open: AsyncJobStore[] = [];
  const urls = new WeakMap<AsyncJobStore, string>();
  const connect = async (url: string) => {
    const s = await openPgStoreForTest(url);
    open.push(s);
    urls.set(s, url);
    return s;
  };
  return {
    name: 'postgres',
    open: async () => connect(await cluster.createDatabase()),
    reopen: async (prev) => connect(urls.get(prev)!),
    async cleanup() {
      for (const s of open.splice(0)) await s.close();
    },
  };
}

async function openPgStoreForTest(url: string): Promise<AsyncJobStore> {
  const u = new URL(url);
  return PgStore.open({ host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), database: u.pathname.slice(1), ssl: false }, `postgres://${u.host}${u.pathname}`);
}

/**
 * Every implementation, for a suite file: call at the file's top level (the PostgreSQL cluster's
 * beforeAll/afterAll belong to the file).
 */
export function allFactories(): StoreFactory[] {
  return [sqliteFactory(), memoryFactory(), postgresFactory(usePostgres())];
}
