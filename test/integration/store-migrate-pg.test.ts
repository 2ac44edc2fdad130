import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../../src/corpus/index.js';
import { writeJobFiles } from '../../src/demo/files.js';
import { asyncStore, type AsyncJobStore } from '../../src/store/contract/async.js';
import { PgStore } from '../../src/store/postgres/store.js';
import { parsePgTarget } from '../../src/store/postgres/target.js';
import { Store } from '../../src/store/store.js';
import { runCli } from '../support/cli.js';
import { seedUser, usePair } from '../support/dovecot.js';
import { usePostgres } from '../support/postgres.js';

// Issue 18: `mailshift store migrate --from job.db --to postgres://…` copies a job's whole state
// losslessly. A real sync (two Dovecot servers) and a verify fill the SQLite store, a copy left
// in flight stands for a job stopped mid-sync; after the migration every aggregate reads the
// same through both stores, and the PostgreSQL store goes on from there (new ids, new batches).

/** Everything a phase can read back, through the async contract. */
async function everything(s: AsyncJobStore): Promise<unknown> {
  const pairs = await s.sync.folderPairs();
  const perPair = [];
  for (const p of pairs) {
    perPair.push({
      pair: p,
      messages: await s.sync.messages(p.id, p.srcUidvalidity ?? ''),
      others: await s.sync.messagesNotOf(p.id, p.srcUidvalidity ?? ''),
      counts: await s.sync.folderCounts(p.id),
      open: await s.sync.openBatches(p.id),
      adopt: await s.sync.adoptChecked(p.id),
      dropped: await s.sync.droppedFlags(p.id),
      watermark: await s.dualRun.watermark(p.id),
      live: await s.dualRun.liveCopiedUids(p.id, p.srcUidvalidity ?? ''),
    });
  }
  const fingerprints: string[] = [];
  await s.verify.eachCopiedFingerprint((a, fp) => fingerprints.push(`${a} ${fp}`));
  const kit = await s.kit.kitView();
  return {
    job: await s.job(),
    accounts: await s.accounts(),
    phaseRuns: await s.phaseRuns(),
    events: await s.events(),
    dashboard: await s.dashboard.latestEvents(1000),
    pipeline: await s.pipeline.history(),
    perPair,
    inFlight: await s.sync.inFlight(),
    copied: await s.sync.copiedTotals('forward'),
    states: await s.sync.messageStates(),
    forward: await s.sync.forwardFolderTotals(),
    appends: await s.throttle.recentAppends('forward', '2000-01-01T00:00:00.000Z'),
    verify: await s.verify.latestRun(),
    totals: await s.verify.folderTotals(),
    problems: await s.verify.problems(),
    perMinute: await s.verify.throughputPerMinute(),
    fingerprints,
    kit: { ...kit, folders: [...kit.folders] },
    cutover: await s.cutover.state(),
    passes: await s.dualRun.passes(),
    groupware: await s.groupware.counts(),
  };
}

describe('store migrate: SQLite to PostgreSQL', () => {
  const pair = usePair();
  const pg = usePostgres();
  const dir = mkdtempSync(join(tmpdir(), 'mailshift-pg-migrate-'));
  const users = generateCorpus('tiny', 3);
  let config = '';
  let db = '';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    for (const u of users) {
      await seedUser(pair.source, u, { connections: 1 });
      await pair.destination.addUser(u.user, u.password);
    }
    config = writeJobFiles({ dir, job: 'pgm', domain: 'acme.test', source: pair.source, destination: pair.destination, accounts: users }).configPath;
    db = join(dir, 'pgm.mailshift.db');
    const sync = await runCli(['sync', '--config', config]);
    expect(sync.stderr).not.toContain('mailshift:');
    expect(sync.code).toBe(0);
    expect((await runCli(['verify', '--config', config])).code).toBe(0);
    // A copy in flight, as a sync killed between its intent and the APPEND's answer leaves it.
    const s = Store.open(db);
    try {
      const fp = s.sync.folderPairs()[0]!;
      s.sync.insertListed(fp.id, BigInt(fp.srcUidvalidity!), [{ uid: 4_000_000_000, size: 3_000_000_000, flags: ['\\Seen', '$Label1'], messageId: '<late@acme.test>', headerHash: 'late', internalDate: new Date('2026-11-30T08:00:00Z') }]);
      const late = s.sync.messages(fp.id, fp.srcUidvalidity!, ['pending'])[0]!;
      s.sync.beginBatch(fp.id, { uidValidity: BigInt(fp.dstUidvalidity!), uidNext: fp.dstUidnext ?? 1 }, [{ id: late.id, messageId: late.messageId!, headerHash: 'late', flags: late.flags }]);
    } finally {
      s.close();
    }
  });

  it('copies every row, proves it by counts and a digest, and every aggregate reads the same', async () => {
    const url = await pg.createDatabase();
    const r = await runCli(['store', 'migrate', '--from', db, '--to', url, '--config', config, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: number; digest: string; tables: { table: string; rows: number }[] };
    const rows = Object.fromEntries(out.tables.map((t) => [t.table, t.rows]));
    const expected = users.reduce((n, u) => n + u.messageCount, 0) + 1;
    expect(rows.messages).toBe(expected);
    expect(rows.accounts).toBe(users.length);
    expect(rows.append_batches).toBeGreaterThan(1);
    expect(out.digest).toMatch(/^[0-9a-f]{64}$/);

    const sqlite = Store.open(db);
    const target = parsePgTarget(url);
    const copy = await PgStore.open(target.config, target.where);
    try {
      const a = await everything(asyncStore(sqlite));
      const b = await everything(copy);
      expect(b).toEqual(a);
      // The mid-sync state came across: one batch open, its message copying, the big UID intact.
      expect(await copy.sync.inFlight()).toEqual({ copying: 1, openBatches: 1 });
      const fp = (await copy.sync.folderPairs())[0]!;
      const open = await copy.sync.openBatches(fp.id);
      expect(open[0]!.messages.map((m) => [m.srcUid, m.size, m.state])).toEqual([[4_000_000_000, 3_000_000_000, 'copying']]);

      // The PostgreSQL store goes on where SQLite stopped: ids after the copied ones.
      const maxRun = Math.max(...(await copy.phaseRuns()).map((p) => p.id));
      expect(await copy.startPhase('sync')).toBe(maxRun + 1);
      await copy.sync.resolveBatch(open[0]!.id, BigInt(fp.dstUidvalidity!), [], [open[0]!.messages[0]!.id]);
      const next = await copy.sync.beginBatch(fp.id, { uidValidity: BigInt(fp.dstUidvalidity!), uidNext: 1 }, [{ id: open[0]!.messages[0]!.id, headerHash: 'late', flags: [] }]);
      expect(next).toBeGreaterThan(open[0]!.id);
      expect(await copy.upsertAccount('new@acme.test', 'new@new.test')).toBe(users.length + 1);
    } finally {
      await copy.close();
      sqlite.close();
    }
    // The source store is left as it was.
    const again = Store.open(db);
    expect(again.sync.inFlight()).toEqual({ copying: 1, openBatches: 1 });
    again.close();
  });

  it('refuses a database that already holds a job, and a running job, each with one line', async () => {
    const url = await pg.createDatabase();
    expect((await runCli(['store', 'migrate', '--from', db, '--to', url, '--config', config])).code).toBe(0);
    const twice = await runCli(['store', 'migrate', '--from', db, '--to', url, '--config', config]);
    expect(twice.code).toBe(2);
    expect(twice.stderr.trim().split('\n')).toHaveLength(1);
    expect(twice.stderr).toMatch(/already holds a job: store migrate copies into an empty database only/);

    const locked = Store.open(db);
    locked.acquireLock('mailshift sync');
    try {
      const busy = await runCli(['store', 'migrate', '--from', db, '--to', await pg.createDatabase(), '--config', config]);
      expect(busy.stderr.trim().split('\n')).toHaveLength(1);
      expect(busy.stderr).toMatch(/job is locked by "mailshift sync"/);
      expect(busy.code).not.toBe(0);
    } finally {
      locked.close();
    }
  });

  it('store: postgres://… in the config: store check works, and status reads the migrated job as from SQLite', async () => {
    const url = await pg.createDatabase();
    expect((await runCli(['store', 'migrate', '--from', db, '--to', url, '--config', config])).code).toBe(0);
    const pgConfig = join(dir, 'pg.yaml');
    writeFileSync(pgConfig, readFileSync(config, 'utf8') + `store: "${url}"\n`);
    const check = await runCli(['store', 'check', '--config', pgConfig]);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^postgres:\/\/mailshift@127\.0\.0\.1:\d+\/\w+\?sslmode=disable: ok \(schema\)/);
    // The phases run on it: status reads the migrated job as it reads the SQLite file.
    const fromPg = await runCli(['status', '--json', '--config', pgConfig]);
    expect(fromPg.stderr).toBe('');
    expect(fromPg.code).toBe(0);
    const fromSqlite = await runCli(['status', '--json', '--config', config]);
    const view = (out: string) => {
      const j = JSON.parse(out) as { accounts: unknown[]; totals: unknown; timeline: unknown[] };
      return { accounts: j.accounts, totals: j.totals, timeline: j.timeline };
    };
    expect(view(fromPg.stdout)).toEqual(view(fromSqlite.stdout));
    // A password written into the URL is refused before anything connects, and never echoed.
    const inUrl = join(dir, 'pw.yaml');
    writeFileSync(inUrl, readFileSync(config, 'utf8') + `store: "${url.replace('mailshift@', 'mailshift:Hunter2-secret@')}"\n`);
    const refused = await runCli(['store', 'check', '--config', inUrl]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toMatch(/^mailshift: .*pw\.yaml: store: put the PostgreSQL password in storePassword \(env:NAME or cmd:COMMAND\), PGPASSWORD or ~\/\.pgpass, not in the URL$/);
    expect(refused.stderr).not.toContain('Hunter2');
  });
});
