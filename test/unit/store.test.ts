import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FatalError, LockedError } from '../../src/errors.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';
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
/** What another program (or another mailshift process) does to the FILE: opened by itself. */
const onFile = <T>(path: string, fn: (db: Database.Database) => T): T => {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
};

describe('Store', () => {
  it('applies every migration to an empty store, in WAL mode, once', () => {
    const path = tmp();
    const store = open(path);
    store.close();
    opened.pop();
    const applied = onFile(path, (db) => db.prepare('SELECT id, name FROM schema_migrations ORDER BY id').all() as { id: number; name: string }[]);
    expect(applied.map((m) => m.name)).toEqual(readMigrations().map((m) => m.name));
    expect(onFile(path, (db) => db.pragma('journal_mode', { simple: true }))).toBe('wal');
    const tables = onFile(path, (db) => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
    expect(tables).toEqual(expect.arrayContaining(['job', 'job_lock', 'accounts', 'folder_pairs', 'messages', 'phase_runs', 'events']));
    // Re-opening applies nothing new and keeps the data.
    open(path).close();
    opened.pop();
    expect(onFile(path, (db) => (db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n)).toBe(applied.length);
  });

  it('refuses a store written by a newer mailshift, with a clear message', () => {
    const path = tmp();
    open(path).close();
    opened.pop();
    onFile(path, (db) => db.prepare("INSERT INTO schema_migrations (id, name, applied_at) VALUES (9999, '9999_future', 'x')").run());
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
    const path = tmp();
    const store = open(path);
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!;
    // The lock row another mailshift process left behind.
    onFile(path, (db) => db.prepare("INSERT INTO job_lock (id, pid, host, command, acquired_at) VALUES (1, ?, ?, 'mailshift sync', 'x')").run(dead, hostname()));
    store.acquireLock('mailshift sync');
    expect(store.lockHolder()!.pid).toBe(process.pid);
  });

  it('refuses a lock held by a live process', () => {
    const path = tmp();
    const store = open(path);
    onFile(path, (db) => db.prepare("INSERT INTO job_lock (id, pid, host, command, acquired_at) VALUES (1, 1, ?, 'mailshift sync', '2026-11-25T10:00:00Z')").run(hostname()));
    expect(() => store.acquireLock('mailshift verify')).toThrow(LockedError);
    expect(() => store.acquireLock('mailshift verify')).toThrow(/job is locked by "mailshift sync" \(pid 1 on .+, since 2026-11-25T10:00:00Z\)/);
  });
});

describe('a store written by the previous version (migrations 0001..0012)', () => {
  it('keeps every row through 0013: the reverse prefix becomes the direction, the dead columns go', () => {
    const path = tmp();
    onFile(path, (db) => {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      migrate(db, path, readMigrations().filter((m) => m.id <= 12));
      const t = '2026-11-30T10:00:00.000Z';
      db.prepare("INSERT INTO accounts (id, source_user, destination_user, updated_at) VALUES (1, 'a@old.test', 'a@new.test', ?)").run(t);
      const fp = db.prepare(
        `INSERT INTO folder_pairs (id, account_id, source_path, destination_path, special_use, src_uidvalidity, src_uidnext, src_listed_uid,
           dst_uidvalidity, dst_uidnext, state, note, updated_at, direction, source_logical, destination_logical, notes, adopt_checked)
         VALUES (?, 1, ?, ?, ?, '7', 4, 3, '9', 10, 'active', NULL, ?, ?, ?, ?, '[]', 1)`,
      );
      fp.run(1, 'INBOX', 'INBOX', null, t, 'forward', 'INBOX', 'INBOX');
      fp.run(2, 'Sent', 'Sent Items', '\\Sent', t, 'forward', 'Sent', 'Sent Items');
      // The rollback pair of INBOX, keyed apart by the old prefix.
      fp.run(3, '\u0001reverse\u0001INBOX', 'INBOX', null, t, 'reverse', 'INBOX', 'INBOX');
      const msg = db.prepare(
        `INSERT INTO messages (folder_pair_id, src_uidvalidity, src_uid, size, flags, state, batch_id, dst_uidvalidity, dst_uid, updated_at)
         VALUES (?, '7', ?, 100, '["\\\\Seen"]', ?, ?, ?, ?, ?)`,
      );
      msg.run(1, 1, 'copied', null, '9', 5, t);
      msg.run(1, 2, 'copying', 1, null, null, t);
      msg.run(2, 1, 'pending', null, null, null, t);
      msg.run(3, 1, 'copied', null, '7', 8, t);
      db.prepare("INSERT INTO append_batches (id, folder_pair_id, dst_uidvalidity, dst_uidnext_before, state, created_at, messages) VALUES (1, 1, '9', 6, 'sent', ?, 1)").run(t);
    });

    const store = open(path);
    expect(store.check()).toEqual([]);
    const sync = store.sync;
    const pairs = sync.folderPairs(1);
    expect(pairs.map((p) => [p.id, p.direction, p.sourcePath, p.destinationPath])).toEqual([
      [1, 'forward', 'INBOX', 'INBOX'],
      [2, 'forward', 'Sent', 'Sent Items'],
      [3, 'reverse', 'INBOX', 'INBOX'],
    ]);
    expect(pairs[0]).toMatchObject({ srcUidvalidity: '7', srcUidnext: 4, srcListedUid: 3, dstUidvalidity: '9', dstUidnext: 10, state: 'active' });
    expect(sync.adoptChecked(1)).toBe(true);
    expect(sync.messages(1, '7').map((m) => [m.srcUid, m.state, m.dstUid])).toEqual([
      [1, 'copied', 5],
      [2, 'copying', null],
    ]);
    expect(sync.messages(3, '7').map((m) => [m.srcUid, m.state, m.dstUid])).toEqual([[1, 'copied', 8]]);
    expect(sync.openBatches(1).map((b) => [b.id, b.dstUidnextBefore, b.messages.map((m) => m.srcUid)])).toEqual([[1, 6, [2]]]);
    // The same pair written again by the new code is the same row, in either direction.
    const again = (direction: 'forward' | 'reverse') =>
      sync.upsertFolderPair({ accountId: 1, direction, sourcePath: 'INBOX', destinationPath: 'INBOX', sourceLogical: 'INBOX', destinationLogical: 'INBOX', state: 'active', notes: [] });
    expect([again('forward'), again('reverse')]).toEqual([1, 3]);
    // The opposite pair is still found (a rollback's copies are not copied forward again).
    expect(sync.oppositePair(sync.folderPair(1))?.id).toBe(3);
    store.close();
    opened.pop();
    const cols = onFile(path, (db) => (db.prepare("SELECT name FROM pragma_table_info('folder_pairs')").all() as { name: string }[]).map((c) => c.name));
    expect(cols).toContain('direction');
    expect(cols).not.toContain('note');
    expect(cols).not.toContain('dst_highestmodseq');
    expect(onFile(path, (db) => db.prepare('SELECT count(*) AS n FROM folder_pairs WHERE instr(source_path, char(1)) > 0').get())).toEqual({ n: 0 });
  });
});

describe('Store.syncToDisk (group commit)', () => {
  it('callers that arrive during an fsync share one that starts after it; each resolves only after an fsync begun after its call', async () => {
    const { open: openFile } = await import('node:fs/promises');
    const path = tmp();
    const store = open(path);
    // A commit in the WAL (through a second connection: the store stays open, so the WAL stays).
    onFile(path, (db) => db.exec('CREATE TABLE IF NOT EXISTS gc_probe (x); INSERT INTO gc_probe VALUES (1)'));
    // Count the WAL fsyncs through the FileHandle class every handle shares.
    const probe = await openFile(path, 'r');
    const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
    await probe.close();
    const real = proto.sync;
    const started: number[] = [];
    let clock = 0;
    // The first fsync is held open until the test lets it go, so "arrives during an fsync" does
    // not depend on how fast timers fire on a loaded machine.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    proto.sync = function (this: unknown) {
      started.push(++clock);
      return (started.length === 1 ? gate : Promise.resolve()).then(() => real.call(this));
    };
    try {
      const calls: Promise<[number, number]>[] = [];
      const call = () => {
        const at = ++clock;
        calls.push(store.syncToDisk().then(() => [at, ++clock] as [number, number]));
      };
      call();
      for (let i = 0; i < 500 && started.length === 0; i++) await new Promise((r) => setTimeout(r, 2));
      expect(started.length).toBe(1);
      // Nine more callers while the first fsync runs...
      for (let i = 0; i < 9; i++) {
        call();
        await new Promise((r) => setImmediate(r));
      }
      expect(started.length).toBe(1);
      release();
      const spans = await Promise.all(calls);
      // ...share one fsync that starts after it: two in all, not one each.
      expect(started.length).toBe(2);
      // Every caller was covered by an fsync that started after it called and before it resolved.
      for (const [at, done] of spans) expect(started.some((s) => s > at && s < done)).toBe(true);
      // Later, alone: one more fsync of its own.
      await store.syncToDisk();
      expect(started.length).toBe(3);
    } finally {
      proto.sync = real;
    }
  });
});
