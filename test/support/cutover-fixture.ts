import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAccounts } from '../../src/config/accounts.js';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/logger.js';
import type { PhaseContext, ProgressSink } from '../../src/phases/context.js';
import { Store } from '../../src/store/store.js';
import { asyncStore } from '../../src/store/contract/async.js';
import { startDnsServer, type TestDns } from './dns-server.js';
import { makePki, startHttpsServer, type TestHttps, type TestPki } from './https-server.js';
import { startSmtpServer, type TestSmtp } from './smtp-server.js';

// The world of the cutover tests: a domain "acme.test" served by a loopback DNS server (two
// authoritative ports, two resolver ports), the new provider's MX (a real SMTP server with
// STARTTLS and a certificate from a test CA), and the MTA-STS policy on a local HTTPS server.

export const DOMAIN = 'acme.test';
export const NEW_MX = 'mx1.newmail.test';
export const OLD_MX = 'mx.oldmail.test';
export const ADDRESSES = ['alice@acme.test', 'bob@acme.test'];

export interface CutoverWorld {
  dns: TestDns;
  auth: string[];
  resolvers: string[];
  pki: TestPki;
  smtp: TestSmtp;
  https: TestHttps;
  dkimPublicKey: string;
  /** Publishes a zone where every check passes (T planned in 10 days). */
  baseline(): void;
  policy(mx: string[], opts?: { mode?: string; maxAge?: number }): string;
  /** A PhaseContext on a fresh store with `cutover` merged over the working config. */
  context(cutover?: Record<string, unknown>, opts?: ContextOptions): TestContext;
  stop(): Promise<void>;
}

export interface ContextOptions {
  /** Top-level config fields merged over the defaults (e.g. source / destination servers). */
  config?: Record<string, unknown>;
  /** [source user, destination user] pairs; passwords are "pw". */
  accounts?: [string, string][];
}

export interface TestContext {
  ctx: PhaseContext;
  notes: string[];
  dir: string;
  configPath: string;
  abort: AbortController;
  close(): void;
}

export async function startCutoverWorld(): Promise<CutoverWorld> {
  const dns = await startDnsServer(4);
  const auth = dns.ports.slice(0, 2).map((p) => p.address);
  const resolvers = dns.ports.slice(2).map((p) => p.address);
  const pki = makePki();
  const smtp = await startSmtpServer({ cert: pki.leaf(NEW_MX), accept: ADDRESSES });
  const https = await startHttpsServer(pki.leaf(`mta-sts.${DOMAIN}`));
  const dkimPublicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const dirs: string[] = [];

  const policy = (mx: string[], o: { mode?: string; maxAge?: number } = {}) =>
    ['version: STSv1', `mode: ${o.mode ?? 'testing'}`, ...mx.map((m) => `mx: ${m}`), `max_age: ${o.maxAge ?? 86400}`, ''].join('\r\n');

  const world: CutoverWorld = {
    dns,
    auth,
    resolvers,
    pki,
    smtp,
    https,
    dkimPublicKey,
    policy,
    baseline() {
      dns.set(DOMAIN, 'MX', [{ exchange: OLD_MX, priority: 10, ttl: 300 }]);
      dns.set(DOMAIN, 'TXT', [{ text: 'v=spf1 include:spf.oldmail.test include:spf.newmail.test ~all' }, { text: 'MS=ms12345678' }]);
      dns.set('spf.oldmail.test', 'TXT', [{ text: 'v=spf1 ip4:192.0.2.0/24 -all' }]);
      dns.set('spf.newmail.test', 'TXT', [{ text: 'v=spf1 include:spf2.newmail.test -all' }]);
      dns.set('spf2.newmail.test', 'TXT', [{ text: 'v=spf1 ip4:198.51.100.0/24 a:out.newmail.test -all' }]);
      dns.set(`selector1._domainkey.${DOMAIN}`, 'CNAME', [{ value: 'selector1-acme-test._domainkey.newmail.test' }]);
      dns.set('selector1-acme-test._domainkey.newmail.test', 'TXT', [{ text: `v=DKIM1; k=rsa; p=${dkimPublicKey}` }]);
      dns.set(`_dmarc.${DOMAIN}`, 'TXT', [{ text: `v=DMARC1; p=none; rua=mailto:dmarc@${DOMAIN}` }]);
      dns.set(`_mta-sts.${DOMAIN}`, 'TXT', [{ text: 'v=STSv1; id=20261101' }]);
      https.setPolicy(policy([OLD_MX, '*.newmail.test']));
      dns.set(`_smtp._tls.${DOMAIN}`, 'TXT', [{ text: `v=TLSRPTv1; rua=mailto:tlsrpt@${DOMAIN}` }]);
      dns.set(`autodiscover.${DOMAIN}`, 'CNAME', [{ value: 'autodiscover.newmail.test' }]);
      dns.set('autodiscover.newmail.test', 'A', [{ value: '192.0.2.10' }]);
      dns.set(`_imaps._tcp.${DOMAIN}`, 'SRV', [{ priority: 0, weight: 1, port: 993, target: 'imap.newmail.test' }]);
      dns.set(`_submission._tcp.${DOMAIN}`, 'SRV', [{ priority: 0, weight: 1, port: 587, target: 'smtp.newmail.test' }]);
      for (const p of dns.ports) for (const t of ['MX', 'TXT', 'A', 'CNAME', 'SRV'] as const) dns.remove(DOMAIN, t, [p.address]);
    },
    context(cutover = {}, opts = {}) {
      const dir = mkdtempSync(join(tmpdir(), 'mailshift-cutover-'));
      dirs.push(dir);
      writeFileSync(join(dir, 'accounts.csv'), 'source_user,source_password,destination_user,destination_password\n' + (opts.accounts ?? ADDRESSES.map((a) => [a.split('@')[0]!, a] as [string, string])).map(([su, du]) => `${su},pw,${du},pw`).join('\n') + '\n');
      const section = {
        at: new Date(Date.now() + 10 * 86400_000).toISOString(),
        mx: [{ host: NEW_MX, priority: 0 }],
        spfInclude: 'spf.newmail.test',
        oldSpfInclude: 'spf.oldmail.test',
        dkimSelectors: ['selector1'],
        autodiscover: 'autodiscover.newmail.test',
        imapHost: 'imap.newmail.test',
        submissionHost: 'smtp.newmail.test',
        dns: { resolvers, authoritative: auth, timeoutMs: 1000 },
        smtp: { hostMap: { [NEW_MX]: smtp.address }, caFile: pki.caFile, timeoutMs: 5000 },
        mtaSts: { hostMap: { [`mta-sts.${DOMAIN}`]: https.address }, caFile: pki.caFile, timeoutMs: 5000 },
        ...cutover,
      };
      const config = {
        job: 'cutover-test',
        domain: DOMAIN,
        source: { host: '127.0.0.1', port: 1143, tls: 'none', allowInsecure: true },
        destination: { host: '127.0.0.1', port: 2143, tls: 'none', allowInsecure: true },
        accounts: 'accounts.csv',
        cutover: section,
        ...opts.config,
      };
      const configPath = join(dir, 'mailshift.yaml');
      writeFileSync(configPath, JSON.stringify(config, null, 2));
      return contextFor(configPath, dir);
    },
    async stop() {
      await Promise.all([dns.stop(), smtp.stop(), https.stop()]);
      pki.cleanup();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
  return world;
}

/** A PhaseContext as withJob builds it, with the notes kept for assertions. */
export function contextFor(configPath: string, dir: string): TestContext {
  const config = loadConfig(configPath);
  const accounts = loadAccounts(config.accountsPath);
  const store = Store.open(config.storePath);
  store.ensureJob(config.job, config.domain);
  const notes: string[] = [];
  const progress: ProgressSink = { task: () => ({ update() {}, increment() {}, setTotal() {}, stop() {} }), note: (l) => notes.push(l) };
  const abort = new AbortController();
  const ctx: PhaseContext = { config, accounts, store: asyncStore(store), log: silentLogger(), signal: abort.signal, progress };
  return { ctx, notes, dir, configPath, abort, close: () => store.close() };
}

/** Marks a sync as run and complete in the store (what the sync phase leaves behind). */
export async function recordCompleteSync(ctx: PhaseContext): Promise<void> {
  const id = await ctx.store.startPhase('sync');
  for (const a of ctx.accounts) await ctx.store.setAccountState(await ctx.store.upsertAccount(a.sourceUser, a.destinationUser), 'complete');
  await ctx.store.finishPhase(id, 'complete', { copied: 0 });
}
