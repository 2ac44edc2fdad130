import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/secret.js';
import { PgStore } from '../../src/store/postgres/store.js';
import { parsePgTarget } from '../../src/store/postgres/target.js';
import { usePostgres } from '../support/postgres.js';

// What only the PostgreSQL store has: its schema record, the job lock as an advisory lock, the
// byte order of names, 64-bit values, and how it finds its password and decides on TLS.

const pgc = usePostgres();
const opened: PgStore[] = [];
const open = async (url: string, password?: string) => {
  const t = parsePgTarget(url, password === undefined ? {} : { password: () => new Secret(password) });
  const s = await PgStore.open(t.config, t.where);
  opened.push(s);
  return s;
};
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
});

describe('PostgreSQL store', () => {
  it('records its migrations once and refuses a schema newer than this mailshift with one line', async () => {
    const url = await pgc.createDatabase();
    const a = await open(url);
    expect(await a.check()).toEqual([]);
    await a.close();
    // A second open applies nothing and still reads the same schema.
    const b = await open(url);
    expect(await b.check()).toEqual([]);
    await b.close();
    await pgc.admin(new URL(url).pathname.slice(1), "INSERT INTO schema_migrations (id, name, applied_at) VALUES (9999, '9999_future', 'now')");
    const err = await open(url).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/was written by a newer mailshift \(store schema 9999, this version knows up to \d+\); upgrade mailshift to continue this job$/);
    expect(err?.message.split('\n')).toHaveLength(1);
  });

  it('the job lock is an advisory lock: a second holder is refused by name, a dead holder frees it at once', async () => {
    const url = await pgc.createDatabase();
    const first = await open(url);
    const second = await open(url);
    await first.acquireLock('mailshift sync');
    expect(await second.lockHolder()).toMatchObject({ pid: process.pid, command: 'mailshift sync' });
    await expect(second.acquireLock('mailshift dual-run')).rejects.toThrow(/^job is locked by "mailshift sync" \(pid \d+ on .+, since .+\); wait for it to finish or stop it first$/);
    // The holder's connection dies (its host crashed): the server drops the lock with it.
    await pgc.admin(new URL(url).pathname.slice(1), `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted`);
    await expect.poll(() => second.lockHolder(), { timeout: 10_000 }).toBeUndefined();
    await expect.poll(() => first.lockLost, { timeout: 10_000 }).toBe(true);
    await second.acquireLock('mailshift dual-run');
    expect(await first.lockHolder()).toMatchObject({ command: 'mailshift dual-run' });
    await second.releaseLock();
    expect(await first.lockHolder()).toBeUndefined();
  });

  it('folder names and users compare byte by byte (COLLATE "C"), as in SQLite; UIDs and sizes are 64-bit', async () => {
    const s = await open(await pgc.createDatabase());
    const acct = await s.upsertAccount('alice@old.test', 'alice@new.test');
    const names = ['inbox', 'INBOX', 'Äpfel', 'Zeta', 'apfel', '日本', 'a b'];
    for (const n of names) {
      await s.sync.upsertFolderPair({ accountId: acct, direction: 'forward', sourcePath: n, destinationPath: n, sourceLogical: n, destinationLogical: n, state: 'active', notes: [] });
    }
    const order = (await s.sync.forwardFolderTotals()).map((r) => r.sourcePath);
    expect(order).toEqual([...names].sort((x, y) => (Buffer.compare(Buffer.from(x), Buffer.from(y)))));
    expect(new Set(order).size).toBe(names.length); // 'inbox' and 'INBOX' are two folders
    const fp = (await s.sync.folderPairs())[0]!.id;
    await s.sync.insertListed(fp, 4_294_967_295n, [{ uid: 4_294_967_295, size: 6_000_000_000, flags: [] }]);
    expect((await s.sync.messages(fp, '4294967295')).map((m) => [m.srcUid, m.size])).toEqual([[4_294_967_295, 6_000_000_000]]);
  });

  describe('password and TLS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailshift-pgpass-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('a password-checked role: storePassword, PGPASSWORD or ~/.pgpass; a wrong one is one line', async () => {
      const url = await pgc.createDatabase();
      const dbName = new URL(url).pathname.slice(1);
      await pgc.admin('postgres', "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'secret_user') THEN CREATE ROLE secret_user LOGIN PASSWORD 'pw-Λ-42'; END IF; END $$");
      await pgc.admin(dbName, 'GRANT ALL ON SCHEMA public TO secret_user');
      const as = url.replace('mailshift@', 'secret_user@');
      const s = await open(as, 'pw-Λ-42');
      expect(await s.check()).toEqual([]);
      await s.close();
      const bad = await open(as, 'wrong').then(() => undefined, (e: Error) => e);
      expect(bad?.message).toMatch(/^cannot open the store postgres:\/\/secret_user@127\.0\.0\.1:\d+\/\w+\?sslmode=disable: the server refused the login/);
      expect(bad?.message).not.toContain('wrong');
      const viaEnv = parsePgTarget(as, { env: { PGPASSWORD: 'pw-Λ-42' } });
      const e = await PgStore.open(viaEnv.config, viaEnv.where);
      await e.close();
      const passfile = join(dir, 'pgpass');
      writeFileSync(passfile, `127.0.0.1:${pgc.port}:*:secret_user:pw-Λ-42\n`, { mode: 0o600 });
      const viaFile = parsePgTarget(as, { env: { PGPASSFILE: passfile } });
      const f = await PgStore.open(viaFile.config, viaFile.where);
      await f.close();
    });

    it('TLS is verified unless the URL says otherwise; no password in the URL', () => {
      const remote = parsePgTarget('postgres://app@db.example.com/acme', { env: {} });
      expect(remote.config.ssl).toMatchObject({ rejectUnauthorized: true, servername: 'db.example.com' });
      expect(parsePgTarget('postgres://app@db.example.com/acme?sslmode=require', { env: {} }).config.ssl).toMatchObject({ rejectUnauthorized: false });
      expect(parsePgTarget('postgres://app@db.example.com/acme?sslmode=disable', { env: {} }).config.ssl).toBe(false);
      expect(parsePgTarget('postgres://app@127.0.0.1/acme', { env: {} }).config.ssl).toBe(false);
      expect(remote.where).toBe('postgres://app@db.example.com/acme');
      expect(() => parsePgTarget('postgres://app:hunter2@db.example.com/acme')).toThrow(/^store: put the PostgreSQL password in storePassword \(env:NAME or cmd:COMMAND\), PGPASSWORD or ~\/\.pgpass, not in the URL$/);
      expect(() => parsePgTarget('postgres://app@db.example.com/acme?sslmode=maybe')).toThrow(/sslmode must be one of disable, require, verify-ca, verify-full/);
      expect(() => parsePgTarget('postgres://app@db.example.com/')).toThrow(/names no database/);
    });

    it('a server without TLS is refused when the URL asks for it (verify-full by default off loopback)', async () => {
      const t = parsePgTarget(`postgres://mailshift@127.0.0.1:${pgc.port}/postgres?sslmode=verify-full`);
      const err = await PgStore.open(t.config, t.where).then((s) => s.close(), (e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^cannot open the store postgres:\/\/mailshift@127\.0\.0\.1:\d+\/postgres\?sslmode=verify-full: /);
    });
  });
});
