// assess against live Dovecot: inventory equals what was seeded, the servers are unchanged,
// staged risks show with their fix while the other accounts are still assessed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assessment } from '../../src/assess/types.js';
import { loadAccounts } from '../../src/config/accounts.js';
import { loadConfig } from '../../src/config/load.js';
import { generateCorpus, type CorpusUser } from '../../src/corpus/index.js';
import { silentLogger } from '../../src/logger.js';
import { runAssess } from '../../src/phases/assess.js';
import { runSync } from '../../src/phases/sync.js';
import { silentProgress, type PhaseContext } from '../../src/phases/context.js';
import { assessFolders, assessRisks, latestAssessRun } from '../../src/store/assess-store.js';
import { Store } from '../../src/store/store.js';
import { asyncStore } from '../../src/store/contract/async.js';
import { openFile } from '../support/chromium.js';
import { runCli } from '../support/cli.js';
import { startDnsServer, type TestDns } from '../support/dns-server.js';
import { readAll, seedMessages, seedUser, startPair, usePair, type DovecotServer, type SeedMessage } from '../support/dovecot.js';

interface Acc {
  su: string;
  sp: string;
  du: string;
  dp: string;
}

function serverFile(s: DovecotServer, over: Record<string, unknown> = {}) {
  return { preset: 'dovecot', host: s.host, port: s.port, tls: 'none', allowInsecure: true, ...over };
}

/** Writes a config + accounts CSV into a fresh directory; returns the config path. */
const jobDirs: string[] = [];
afterAll(() => {
  for (const d of jobDirs) rmSync(d, { recursive: true, force: true });
});

function writeJob(source: object, destination: object, accounts: Acc[], extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'assess-'));
  jobDirs.push(dir);
  writeFileSync(
    join(dir, 'accounts.csv'),
    'source_user,source_password,destination_user,destination_password\n' + accounts.map((a) => `${a.su},${a.sp},${a.du},${a.dp}`).join('\n') + '\n',
  );
  const cfg = { job: 'assess-test', domain: 'acme.test', source, destination, accounts: 'accounts.csv', ...extra };
  writeFileSync(join(dir, 'mailshift.json'), JSON.stringify(cfg, null, 2));
  return join(dir, 'mailshift.json');
}

async function assess(configPath: string, probeSeconds = 1, after?: (ctx: PhaseContext) => Promise<void>) {
  const config = loadConfig(configPath);
  const store = Store.open(config.storePath);
  try {
    store.ensureJob(config.job, config.domain);
    const ctx: PhaseContext = {
      config,
      accounts: loadAccounts(config.accountsPath),
      store: asyncStore(store),
      log: silentLogger(),
      signal: new AbortController().signal,
      progress: silentProgress,
    };
    const r = await runAssess(ctx, { probeSeconds });
    const run = latestAssessRun(store)!;
    if (after) await after(ctx);
    return { ...r, storedRisks: assessRisks(store, run.id), storedFolders: assessFolders(store, run.id), config };
  } finally {
    store.close();
  }
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const msg = (folder: string, subject: string, bytes: number, date = '2024-03-01T10:00:00Z'): SeedMessage => {
  const head = `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@t>\r\nDate: ${new Date(date).toUTCString()}\r\n\r\n`;
  const body = 'x'.repeat(Math.max(0, bytes - head.length - 2)).replace(/(.{76})/g, '$1\r\n').slice(0, Math.max(0, bytes - head.length - 2));
  return { folder, raw: Buffer.from(head + body + '\r\n'), flags: ['\\Seen'], internalDate: new Date(date) };
};

describe('assess on the small corpus', () => {
  const pair = usePair();
  let users: CorpusUser[];
  let seeded: Map<string, Map<string, { messages: number; bytes: number }>>;
  let dns: TestDns;
  let configPath: string;

  beforeAll(async () => {
    users = generateCorpus('small');
    seeded = new Map();
    for (const u of users) {
      // One connection: concurrent folder creation sometimes panics Dovecot 2.3.19 (list index lock).
      const res = await seedUser(pair.source, u, { connections: 1 });
      const perFolder = new Map<string, { messages: number; bytes: number }>();
      for (const m of u.messages()) {
        const wire = res.folderMap.get(m.folder) ?? m.folder;
        const e = perFolder.get(wire) ?? { messages: 0, bytes: 0 };
        e.messages++;
        e.bytes += m.raw.length;
        perFolder.set(wire, e);
      }
      seeded.set(u.user, perFolder);
      await pair.destination.addUser(u.user, u.password);
    }
    dns = await startDnsServer(1);
    dns.set('acme.test', 'MX', [{ exchange: 'mxbiz1.qq.com', priority: 5, ttl: 3600 }]);
    dns.set('acme.test', 'TXT', [{ text: 'v=spf1 include:spf.mail.qq.com ~all', ttl: 3600 }]);
    configPath = writeJob(
      serverFile(pair.source),
      serverFile(pair.destination),
      users.map((u) => ({ su: u.user, sp: u.password, du: u.user, dp: u.password })),
      { cutover: { dns: { resolvers: [dns.ports[0]!.address], timeoutMs: 1000 } } },
    );
  }, 300_000);
  afterAll(async () => {
    await dns?.stop();
  });

  it('reports per-folder counts and sizes equal to what was seeded, leaves both servers untouched, and says GO', async () => {
    const snap = async () => {
      const out: unknown[] = [];
      for (const u of users) {
        for (const s of [pair.source, pair.destination]) {
          const folders = await readAll(s, u.user, u.password, { hashOnly: true });
          out.push(folders.map((f) => ({ ...f, uidValidity: String(f.uidValidity), highestModseq: String(f.highestModseq), messages: f.messages.map((m) => ({ ...m, raw: undefined })) })));
        }
      }
      return JSON.stringify(out);
    };
    const before = await snap();
    let pairs: Map<string, string[]> | undefined;
    const r = await assess(configPath, 2, async (ctx) => {
      expect(await snap()).toBe(before); // nothing changed on either server
      // Then sync for real: the folder pairs it records must be the preview's copy rows.
      const res = await runSync(ctx);
      expect(res.complete).toBe(true);
      const sync = ctx.store.sync;
      pairs = new Map();
      for (const acc of await ctx.store.accounts()) {
        pairs.set(acc.sourceUser, (await sync.folderPairs(acc.id, 'forward')).filter((p) => p.state === 'active').map((p) => `${p.sourcePath} -> ${p.destinationPath}`).sort());
      }
    });

    const a = r.assessment;
    expect(a.verdict).toBe('go');
    expect(a.risks.filter((x) => x.severity === 'blocker')).toEqual([]);
    for (const u of users) {
      const acc = a.accounts.find((x) => x.sourceUser === u.user)!;
      expect(acc.assessed).toBe(true);
      const want = seeded.get(u.user)!;
      const got = new Map(acc.source.folders.filter((f) => f.messages > 0).map((f) => [f.path, { messages: f.messages, bytes: f.bytes }]));
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
      expect(acc.source.totals.messages).toBe(u.messageCount);
      // The stored rows hold the same figures.
      const rows = r.storedFolders.filter((f) => f.sourceUser === u.user && f.side === 'source' && f.messages > 0);
      expect(Object.fromEntries(rows.map((f) => [f.path, { messages: f.messages, bytes: f.bytes }]))).toEqual(Object.fromEntries(want));
      // Every source folder has a mapping row, and the copy rows are exactly what sync then did.
      expect(acc.mapping.map((m) => m.sourcePath).sort()).toEqual(acc.source.folders.map((f) => f.path).sort());
      const preview = acc.mapping.filter((m) => m.action === 'copy').map((m) => `${m.sourcePath} -> ${m.destinationPath}`).sort();
      expect(preview.length).toBeGreaterThan(5);
      expect(pairs!.get(u.user)).toEqual(preview);
    }
    expect(a.summary.messages).toBe(users.reduce((s, u) => s + u.messageCount, 0));
    // The probe really read bodies, and the estimate says what it assumed.
    expect(a.estimate.probe!.messages).toBeGreaterThan(0);
    expect(a.estimate.totalSeconds).toBeGreaterThan(0);
    expect(a.estimate.assumptions.join(' ')).toMatch(/measured/);
    // DNS snapshot from the loopback server, with the TTL and the advice to lower it.
    expect(a.domainSnapshot.mx.values).toEqual([{ exchange: 'mxbiz1.qq.com', priority: 5 }]);
    expect(a.domainSnapshot.mx.ttl).toBe(3600);
    expect(a.domainSnapshot.advice.join('\n')).toMatch(/lower the MX TTL from 3600 s to 300 s/);
    // The three files exist and agree.
    const json = JSON.parse(readFileSync(r.files.json, 'utf8')) as Assessment;
    expect(json.summary).toEqual(a.summary);
    expect(readFileSync(r.files.md, 'utf8')).toContain('## GO — ready to start the copy');
    expect(readFileSync(r.files.html, 'utf8')).toContain('GO — ready to start the copy');
  });
});

describe('assess with staged problems', () => {
  // Destination: APPENDLIMIT 1 MB and a 3 MB quota per user; both servers also speak implicit TLS
  // with a self-signed certificate.
  const pair = usePair({ appendLimit: 1_000_000, quotaBytes: 3_000_000, tlsPort: true });
  const alice = { su: 'alice@acme.test', sp: 'alice-pw-1', du: 'alice@acme.test', dp: 'alice-pw-2' };
  const bob = { su: 'bob@acme.test', sp: 'WRONG-password', du: 'bob@acme.test', dp: 'bob-pw-2' };
  const carol = { su: 'carol@acme.test', sp: 'carol-pw-1', du: 'carol@acme.test', dp: 'carol-pw-2' };
  const accounts = [alice, bob, carol];
  const dave = { su: 'dave@acme.test', sp: 'dave-pw-1', du: 'dave@acme.test', dp: 'dave-pw-2' };

  beforeAll(async () => {
    for (const a of accounts) {
      await pair.source.addUser(a.su, a === bob ? 'bob-pw-1' : a.sp);
      await pair.destination.addUser(a.du, a.dp);
    }
    await seedMessages(pair.source, alice.su, alice.sp, [
      msg('INBOX', 'hello', 4000),
      msg('INBOX', 'big scan', 1_500_000),
      msg('INBOX', 'report one', 900_000),
      msg('INBOX', 'report two', 900_000),
      msg('Projects', 'upper', 3000),
      msg('projects', 'lower', 3000),
      msg('a.b', 'dotted', 3000),
    ], { connections: 1 });
    await seedMessages(pair.source, carol.su, carol.sp, [msg('INBOX', 'carol one', 5000), msg('Sent', 'carol two', 6000)], { connections: 1 });
    // Dave's mailbox looks like Tencent's default "last 30 days" IMAP view: nothing older than 29 days.
    await pair.source.addUser(dave.su, dave.sp);
    await pair.destination.addUser(dave.du, dave.dp);
    const ago = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
    await seedMessages(pair.source, dave.su, dave.sp, [msg('INBOX', 'dave one', 3000, ago(29)), msg('INBOX', 'dave two', 3000, ago(2))], { connections: 1 });
  }, 120_000);

  it('finds over-size, quota, case collision, separator and wrong password, each with its fix; the other accounts are assessed', async () => {
    const cfg = writeJob(serverFile(pair.source), serverFile(pair.destination), accounts, { cutover: { dns: { resolvers: ['127.0.0.1:1'], timeoutMs: 200 } } });
    const { assessment: a, storedRisks, files } = await assess(cfg);
    expect(a.verdict).toBe('no-go');
    const risk = (id: string) => a.risks.find((r) => r.id === id);

    const over = risk('oversize')!;
    expect(over.severity).toBe('blocker');
    expect(over.accounts).toEqual([alice.su]);
    expect(over.messages).toBe(1);
    expect(over.folders).toEqual([`${alice.su}: INBOX (1)`]);
    expect(over.fix).toMatch(/raise the destination's message size limit/);
    expect(a.destinationLimit).toEqual({ bytes: 1_000_000, from: 'the server announces APPENDLIMIT' });

    const quota = risk('quota')!;
    expect(quota.severity).toBe('blocker');
    expect(quota.accounts).toEqual([alice.su]);
    expect(quota.fix).toMatch(/raise the mailbox quota/);
    expect(a.accounts.find((x) => x.sourceUser === alice.su)!.destination.quota?.storageLimit).toBeGreaterThan(2_900_000);

    const login = risk('login')!;
    expect(login.severity).toBe('blocker');
    expect(login.accounts).toEqual([bob.su]);
    expect(login.title).toMatch(/source account/);
    expect(login.detail).toMatch(/bob@acme\.test/);
    expect(login.fix).toMatch(/password/);
    expect(JSON.stringify(a)).not.toContain('bob-pw');
    expect(JSON.stringify(a)).not.toContain('WRONG-password');

    const collision = risk('folder-name-collision')!;
    // Never merged: a blocker whose fix is a folders.rename rule that gives the later one its own name.
    expect(collision.severity).toBe('blocker');
    expect(collision.detail).toMatch(/projects and Projects -> projects|Projects and projects -> Projects/);
    expect(collision.fix).toMatch(/rename: \[\{ from: "(projects|Projects)", to: "(projects|Projects) \(2\)" \}\]/);
    const sep = risk('folder-name-separator')!;
    expect(sep.detail).toContain('a.b -> a_b');
    // The mapping preview carries the same destination names.
    const aliceMap = a.accounts.find((x) => x.sourceUser === alice.su)!.mapping;
    expect(aliceMap.find((m) => m.sourceLogicalPath === 'a.b')!.destinationPath).toBe('INBOX.a_b');

    // Carol is fully assessed although Bob failed; Bob's destination side was still checked.
    const c = a.accounts.find((x) => x.sourceUser === carol.su)!;
    expect(c.assessed).toBe(true);
    expect(c.source.totals.messages).toBe(2);
    expect(a.accounts.find((x) => x.sourceUser === bob.su)!.destination.login.ok).toBe(true);
    // Blockers are ranked first, and the store has the same ranking.
    const firstWarning = a.risks.findIndex((r) => r.severity !== 'blocker');
    expect(a.risks.slice(firstWarning).every((r) => r.severity !== 'blocker')).toBe(true);
    expect(storedRisks.map((r) => r.id)).toEqual(a.risks.map((r) => r.id));
    // DNS pointed at a closed port: reported, not fatal.
    expect(a.domainSnapshot.mx.error).toBeTruthy();

    // The HTML opens in headless Chromium without errors and shows the verdict first.
    const page = await openFile(files.html);
    try {
      expect(page.problems).toEqual([]);
      expect(page.externalRequests).toEqual([]);
      const verdict = await page.page.locator('#verdict').innerText();
      expect(verdict).toMatch(/NO-GO/);
      expect(verdict).toMatch(/larger than the destination accepts/);
      expect(await page.page.locator('svg').count()).toBe(2);
    } finally {
      await page.close();
    }
  });

  it('an unreachable destination is tested once and reported once; the source side is still assessed', async () => {
    const port = await closedPort();
    const cfg = writeJob(serverFile(pair.source), serverFile(pair.destination, { port }), [alice, carol], { cutover: { dns: { resolvers: ['127.0.0.1:1'], timeoutMs: 200 } } });
    const { assessment: a } = await assess(cfg);
    expect(a.verdict).toBe('no-go');
    const un = a.risks.filter((r) => r.id === 'unreachable');
    expect(un).toHaveLength(1);
    expect(un[0]!.detail).toMatch(/connection refused/);
    expect(un[0]!.fix).toMatch(/destination\.port/);
    expect(a.risks.filter((r) => r.id === 'login')).toEqual([]);
    for (const acc of a.accounts) {
      expect(acc.destination.login.failure?.kind).toBe('unreachable');
      expect(acc.source.login.ok).toBe(true);
    }
    expect(a.accounts.find((x) => x.sourceUser === carol.su)!.source.totals.messages).toBe(2);
  });

  it('a self-signed certificate without allowInsecure is a blocker naming the certificate; with allowInsecure it is accepted', async () => {
    const tlsSource = serverFile(pair.source, { port: pair.source.tlsPort, tls: 'implicit', allowInsecure: false });
    const cfg = writeJob(tlsSource, serverFile(pair.destination), [carol], { cutover: { dns: { resolvers: ['127.0.0.1:1'], timeoutMs: 200 } } });
    const { assessment: a } = await assess(cfg, 0);
    const tls = a.risks.find((r) => r.id === 'tls')!;
    expect(tls.severity).toBe('blocker');
    expect(tls.detail).toMatch(/self-signed/);
    expect(tls.fix).toMatch(/allowInsecure: true/);
    const probe = a.servers.find((s) => s.side === 'source')!;
    expect(probe.cert?.selfSigned).toBe(true);
    expect(probe.cert?.trusted).toBe(false);
    expect(a.accounts[0]!.destination.login.ok).toBe(true);

    const ok = writeJob({ ...tlsSource, allowInsecure: true }, serverFile(pair.destination), [carol], { cutover: { dns: { resolvers: ['127.0.0.1:1'], timeoutMs: 200 } } });
    const { assessment: b } = await assess(ok, 0);
    expect(b.risks.find((r) => r.id === 'tls')).toBeUndefined();
    expect(b.accounts[0]!.source.totals.messages).toBe(2);
    expect(b.servers.find((s) => s.side === 'source')!.tlsProtocol).toMatch(/TLSv1\.[23]/);

    // The company's own CA (here the server's self-signed certificate itself) in caFile: trusted
    // and verified, with allowInsecure off; the logins go through with it too.
    const caDir = mkdtempSync(join(tmpdir(), 'mailshift-ca-'));
    writeFileSync(join(caDir, 'company-ca.pem'), pair.source.tlsCertPem!);
    const withCa = writeJob({ ...tlsSource, caFile: join(caDir, 'company-ca.pem') }, serverFile(pair.destination), [carol], { cutover: { dns: { resolvers: ['127.0.0.1:1'], timeoutMs: 200 } } });
    const { assessment: d } = await assess(withCa, 0);
    expect(d.risks.find((r) => r.id === 'tls')).toBeUndefined();
    expect(d.servers.find((s) => s.side === 'source')!.cert?.trusted).toBe(true);
    expect(d.accounts[0]!.source.login.ok).toBe(true);
    expect(d.accounts[0]!.source.totals.messages).toBe(2);

    // The same certificate behind STARTTLS on the plain port is found the same way.
    const st = writeJob(serverFile(pair.source, { tls: 'starttls', allowInsecure: false }), serverFile(pair.destination), [carol], { cutover: { dns: { resolvers: ['127.0.0.1:1'], timeoutMs: 200 } } });
    const { assessment: c } = await assess(st, 0);
    expect(c.risks.find((r) => r.id === 'tls')?.detail).toMatch(/self-signed/);
    expect(c.servers.find((s) => s.side === 'source')!.greeting).toMatch(/^\* OK/);
  });

  it('suspects the Tencent "last 30 days" IMAP setting for a mailbox whose oldest message is 29 days old', async () => {
    const cfg = writeJob(serverFile(pair.source, { preset: 'tencent-exmail' }), serverFile(pair.destination), [dave, carol], { cutover: { dns: { resolvers: ['127.0.0.1:1'], timeoutMs: 200 } } });
    const { assessment: a } = await assess(cfg, 0);
    const r = a.risks.find((x) => x.id === 'fetch-range-30-days')!;
    expect(r.severity).toBe('blocker');
    expect(r.accounts).toEqual([dave.su]);
    expect(r.fix).toMatch(/收取选项.*all/);
    expect(a.accounts.find((x) => x.sourceUser === carol.su)!.assessed).toBe(true);
  });

  it('the CLI exits 3 on no-go and prints the JSON with --json', async () => {
    const cfg = writeJob(serverFile(pair.source), serverFile(pair.destination), accounts, { cutover: { dns: { resolvers: ['127.0.0.1:1'], timeoutMs: 200 } } });
    const r = await runCli(['assess', '--config', cfg, '--json', '--probe-seconds', '1']);
    expect(r.code).toBe(3);
    const a = JSON.parse(r.stdout) as Assessment;
    expect(a.verdict).toBe('no-go');
    expect(r.stderr).toMatch(/blocking problem/);
    expect(r.stderr).not.toMatch(/at .*\.js/);
    // Without --json: progress per account on stderr, the verdict and the report path at the end.
    const h = await runCli(['assess', '--config', cfg, '--probe-seconds', '0', '--out', join(tmpdir(), `assess-out-${process.pid}`)]);
    expect(h.code).toBe(3);
    expect(h.stderr).toMatch(/carol@acme\.test: \d+ folders, 2 messages/);
    expect(h.stderr).toMatch(/bob@acme\.test: .*login refused/);
    expect(h.stdout).toMatch(/verdict: NO-GO/);
    expect(h.stdout).toContain(`report: ${join(tmpdir(), `assess-out-${process.pid}`, 'assessment.html')}`);
    rmSync(join(tmpdir(), `assess-out-${process.pid}`), { recursive: true, force: true });

    // A clean account alone: GO, exit 0, report in the default place next to the config.
    const good = writeJob(serverFile(pair.source), serverFile(pair.destination), [carol], { cutover: { dns: { resolvers: ['127.0.0.1:1'], timeoutMs: 200 } } });
    const g = await runCli(['assess', '--config', good, '--probe-seconds', '1']);
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/verdict: GO/);
    expect(g.stdout).toContain(join(dirname(good), 'assessment', 'assessment.html'));

    const bad = await runCli(['assess', '--config', good, '--probe-seconds', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['mailshift: --probe-seconds: expected a number of seconds from 0 to 600, got "soon"']);
  });
});
