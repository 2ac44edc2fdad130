import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobStore } from '../../src/store/contract/index.js';
import { openMemoryStore, type MemoryStore } from '../../src/store/memory/index.js';
import { Store } from '../../src/store/store.js';

/** One implementation of the store contract, as the suite opens it. */
export interface StoreFactory {
  name: string;
  open(): JobStore;
  /** The next process after a crash: a new store on what `prev` left, `prev` never closed. */
  reopen(prev: JobStore): JobStore;
  cleanup(): void;
}

export function sqliteFactory(): StoreFactory {
  const dirs: string[] = [];
  const open: JobStore[] = [];
  const track = (s: JobStore) => (open.push(s), s);
  return {
    name: 'sqlite',
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'mailshift-contract-'));
      dirs.push(dir);
      return track(Store.open(join(dir, 'job.db')));
    },
    reopen(prev) {
      return track(Store.open(prev.path));
    },
    cleanup() {
      for (const s of open.splice(0)) s.close();
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

export function memoryFactory(): StoreFactory {
  return {
    name: 'memory',
    open: () => openMemoryStore(),
    reopen: (prev) => openMemoryStore({ data: (prev as MemoryStore).data }),
    cleanup() {},
  };
}

export const FACTORIES = [sqliteFactory(), memoryFactory()];
