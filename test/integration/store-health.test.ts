import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, rmSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { runCli } from '../support/cli.js';

// A store that cannot be used is one line naming the file and what to do, exit 1; never a
// stack trace, and never silently accepted.

let dir: string;
let cfg: string;
let storePath: string;
const HEADER = 'source_user,source_password,destination_user,destination_password\n';

function job(store = 'job.db') {
  writeFileSync(join(dir, 'a.csv'), HEADER + 'a@acme.test,pw,a@new.test,pw\n');
  cfg = join(dir, 'job.yaml');
  writeFileSync(cfg, `job: store-test\ndomain: acme.test\nstore: ${store}\nsource: { host: 127.0.0.1, port: 9, tls: none, allowInsecure: true }\ndestination: { host: 127.0.0.1, port: 9, tls: none, allowInsecure: true }\naccounts: a.csv\n`);
  storePath = join(dir, store);
}

/** A real store of this version, then closed, as a finished job leaves it. */
function makeStore() {
  const s = Store.open(storePath);
  s.ensureJob('store-test', 'acme.test');
  s.upsertAccount('a@acme.test', 'a@new.test');
  s.close();
}

function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/internal error|^\s+at /m);
}

const isRoot = process.getuid?.() === 0;

/**
 * Makes the job folder read-only: root ignores file modes, so there it becomes a read-only
 * tmpfs mount holding the same files (a real EROFS); otherwise its mode is taken away.
 */
function makeReadOnly(folder: string): () => void {
  if (!isRoot) {
    chmodSync(folder, 0o500);
    return () => chmodSync(folder, 0o700);
  }
  const saved = mkdtempSync(join(tmpdir(), 'mailshift-rosave-'));
  cpSync(folder, saved, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', folder]);
  cpSync(saved, folder, { recursive: true });
  execFileSync('mount', ['-o', 'remount,ro', folder]);
  return () => {
    execFileSync('umount', [folder]);
    rmSync(saved, { recursive: true, force: true });
  };
}

const tamper = (fn: (db: Database.Database) => void) => {
  const db = new Database(storePath);
  fn(db);
  db.close();
};

describe('a store that cannot be used', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailshift-storehealth-'));
    job();
  });

  it('a file that is not SQLite: one line, exit 1, the file untouched', async () => {
    writeFileSync(storePath, 'these are my notes, not a database\n'.repeat(200));
    const before = readFileSync(storePath);
    const r = await runCli(['status', '--config', cfg]);
    expectOneLine(r.stderr, /job\.db is not a mailshift store \(not an SQLite database\)/);
    expect(r.code).toBe(1);
    expect(readFileSync(storePath).equals(before)).toBe(true);
  });

  it('a damaged file: one line saying to restore the backup, exit 1', async () => {
    makeStore();
    const bytes = readFileSync(storePath);
    // Keep SQLite's 100-byte header, overwrite every page after it.
    for (let i = 100; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    writeFileSync(storePath, bytes);
    const r = await runCli(['status', '--config', cfg]);
    expectOneLine(r.stderr, /job\.db (is damaged .*restore it from a backup|is not a mailshift store)/);
    expect(r.code).toBe(1);
  });

  it('a tampered user_version is refused', async () => {
    makeStore();
    tamper((db) => db.pragma('user_version = 3'));
    const r = await runCli(['status', '--config', cfg]);
    expectOneLine(r.stderr, /job\.db has a tampered schema record \(user_version 3, migrations applied up to \d+\)/);
    expect(r.code).toBe(1);
  });

  it('a migration row removed is refused, not re-applied over its tables', async () => {
    makeStore();
    tamper((db) => db.prepare("DELETE FROM schema_migrations WHERE name = '0006_dualrun'").run());
    tamper((db) => db.pragma('user_version = 0'));
    const r = await runCli(['status', '--config', cfg]);
    // status reads the store read-only: it names the gap in the record without touching the file.
    expectOneLine(r.stderr, /job\.db does not match its schema record \(migration 0006_dualrun is not recorded, but (.*already exists|later ones are)\)/);
    const sync = await runCli(['sync', '--config', cfg]);
    expectOneLine(sync.stderr, /job\.db does not match its schema record \(migration 0006_dualrun is not recorded, but .*already exists\)/);
    expect(r.code).toBe(1);
  });

  it('a missing table is named', async () => {
    makeStore();
    tamper((db) => db.exec('DROP TABLE events'));
    const r = await runCli(['status', '--config', cfg]);
    expectOneLine(r.stderr, /job\.db is missing tables \(events\)/);
    expect(r.code).toBe(1);
    const check = await runCli(['store', 'check', '--config', cfg]);
    expect(check.code).toBe(1);
  });

  it('a store path under a regular file: one line, exit 1', async () => {
    writeFileSync(join(dir, 'plain'), 'x');
    job('plain/job.db');
    const r = await runCli(['status', '--config', cfg]);
    expectOneLine(r.stderr, /plain\/job\.db.*(not a folder|cannot open)/);
    expect(r.code).toBe(1);
  });

  it('a read-only job folder: one line, exit 1, the store unchanged', async () => {
    makeStore();
    const before = readFileSync(storePath);
    const undo = makeReadOnly(dir);
    try {
      const r = await runCli(['sync', '--config', cfg]);
      expectOneLine(r.stderr, /read-only file system or not writable|permission denied/);
      expect(r.code).toBe(1);
      expect(readFileSync(storePath).equals(before)).toBe(true);
    } finally {
      undo();
    }
  });

  it.skipIf(!isRoot)('a full disk: one line saying to free space and run again, exit 1', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'mailshift-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
    try {
      dir = mnt;
      job();
      // Fill the disk, then ask for a new store on it.
      try {
        writeFileSync(join(mnt, 'filler'), Buffer.alloc(1024 * 1024));
      } catch {
        // ENOSPC is the point.
      }
      // status never creates a store (nothing done yet): a command that does is asked.
      const r = await runCli(['sync', '--config', cfg]);
      expectOneLine(r.stderr, /the disk is full; free some space and run the same command again/);
      expect(r.code).toBe(1);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});

describe('store check and store backup', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailshift-storehealth-'));
    job();
    makeStore();
  });

  it('check passes a healthy store, backup writes a consistent copy readable by its owner only', async () => {
    const check = await runCli(['store', 'check', '--config', cfg, '--json']);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, problems: [] });
    const to = join(dir, 'backup.db');
    const b = await runCli(['store', 'backup', to, '--config', cfg]);
    expect(b.code, b.stderr).toBe(0);
    expect(statSync(to).mode & 0o777).toBe(0o600);
    const copy = Store.open(to);
    expect(copy.job()?.name).toBe('store-test');
    expect(copy.accounts().map((a) => a.sourceUser)).toEqual(['a@acme.test']);
    expect(copy.check()).toEqual([]);
    copy.close();
    const again = await runCli(['store', 'backup', to, '--config', cfg]);
    expectOneLine(again.stderr, /backup\.db already exists/);
    expect(again.code).toBe(2);
  });

  it('the store and the log are 0600 whatever the umask', async () => {
    const r = await runCli(['status', '--config', cfg]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(storePath).mode & 0o777).toBe(0o600);
    const log = join(dir, 'store-test.mailshift.log');
    if (existsSync(log)) expect(statSync(log).mode & 0o777).toBe(0o600);
  });
});

describe('files mailshift writes', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailshift-storehealth-'));
    job();
  });

  it.each([['/proc/nope', /cannot create \/proc\/nope: that location does not accept new folders/], ['plain/x', /a part of the path is a file, not a folder/]])(
    'report --out %s is invalid input at once, exit 2',
    async (out, pattern) => {
      writeFileSync(join(dir, 'plain'), 'x');
      const r = await runCli(['report', '--config', cfg, '--out', out.startsWith('/') ? out : join(dir, out)], { timeoutMs: 20_000 });
      expect(r.signal).toBeNull();
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
    },
  );

  it('the report is readable by its owner only, in a folder made 0700', async () => {
    const r = await runCli(['report', '--config', cfg, '--out', join(dir, 'rep')]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(join(dir, 'rep')).mode & 0o777).toBe(0o700);
    for (const f of ['report.html', 'report.md', 'report.json']) expect(statSync(join(dir, 'rep', f)).mode & 0o777, f).toBe(0o600);
  });
});
