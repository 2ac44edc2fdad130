import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FatalError, LockedError } from '../../src/errors.js';
import { readMigrations } from '../../src/store/migrate.js';
import { Store } from '../../src/store/store.js';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'mailshift-store-')), 'job.db');
const opened: Store[] = [];
const open = (p: string) => {
  const s = Store.open(p);
  opened.push(s);
  return s;
};
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

describe('Store', () => {
  it('applies every migration to an empty store, in WAL mode, once', () => {
    const path = tmp();
    const store = open(path);
    const applied = store.db.prepare('SELECT id, name FROM schema_migrations ORDER BY id').all() as { id: number; name: string }[];
    expect(applied.map((m) => m.name)).toEqual(readMigrations().map((m) => m.name));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['job', 'job_lock', 'accounts', 'folder_pairs', 'messages', 'phase_runs', 'events']));
    store.close();
    opened.pop();
    // Re-opening applies nothing new and keeps the data.
    const again = open(path);
    expect((again.db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(applied.length);
  });

  it('refuses a store written by a newer mailshift, with a clear message', () => {
    const path = tmp();
    const store = open(path);
    store.db.prepare("INSERT INTO schema_migrations (id, name, applied_at) VALUES (9999, '9999_future', 'x')").run();
    store.close();
    opened.pop();
    expect(() => Store.open(path)).toThrow(FatalError);
    expect(() => Store.open(path)).toThrow(/written by a newer mailshift \(store schema 9999, this version knows up to \d+\); upgrade mailshift/);
  });

  it('refuses a store that belongs to another job', () => {
    const store = open(tmp());
    store.ensureJob('acme', 'acme.test');
    store.ensureJob('acme', 'acme.test');
    expect(() => store.ensureJob('other', 'acme.test')).toThrow(/belongs to job "acme", not "other"/);
  });

  it('records who holds the lock and releases it', () => {
    const store = open(tmp());
    store.acquireLock('mailshift sync');
    expect(store.lockHolder()).toMatchObject({ pid: process.pid, host: hostname(), command: 'mailshift sync' });
    store.releaseLock();
    expect(store.lockHolder()).toBeUndefined();
  });

  it('takes over a lock left by a process that no longer exists', () => {
    const store = open(tmp());
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    store.db.prepare("INSERT INTO job_lock (id, pid, host, command, acquired_at) VALUES (1, ?, ?, 'mailshift sync', 'x')").run(dead, hostname());
    store.acquireLock('mailshift sync');
    expect(store.lockHolder()!.pid).toBe(process.pid);
  });

  it('refuses a lock held by a live process', () => {
    const store = open(tmp());
    store.db.prepare("INSERT INTO job_lock (id, pid, host, command, acquired_at) VALUES (1, 1, ?, 'mailshift sync', '2026-11-25T10:00:00Z')").run(hostname());
    expect(() => store.acquireLock('mailshift verify')).toThrow(LockedError);
    expect(() => store.acquireLock('mailshift verify')).toThrow(/job is locked by "mailshift sync" \(pid 1 on .+, since 2026-11-25T10:00:00Z\)/);
  });
});
