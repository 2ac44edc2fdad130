import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IncompleteError } from '../../src/errors.js';
import { cutoverCheck, cutoverConfirm, type CheckReport } from '../../src/phases/cutover.js';
import { ADDRESSES, DOMAIN, NEW_MX, OLD_MX, recordCompleteSync, startCutoverWorld, type CutoverWorld, type TestContext } from '../support/cutover-fixture.js';
import { startHttpsServer } from '../support/https-server.js';
import { startSmtpServer } from '../support/smtp-server.js';

// Every cutover check against real servers on loopback: DNS (authoritative + resolver ports),
// SMTP with STARTTLS, HTTPS for the MTA-STS policy. One PASS and each FAIL/WARN cause.

let w: CutoverWorld;
const open: TestContext[] = [];

beforeAll(async () => {
  w = await startCutoverWorld();
});
afterAll(async () => {
  await w.stop();
});
beforeEach(() => w.baseline());
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

async function ctxWith(cutover: Record<string, unknown> = {}, opts: { synced?: boolean } = {}) {
  const t = w.context(cutover);
  open.push(t);
  if (opts.synced !== false) await recordCompleteSync(t.ctx);
  return t;
}

async function check(id: string, given?: Awaited<ReturnType<typeof ctxWith>>, now?: Date): Promise<CheckReport['results'][number]> {
  const t = given ?? (await ctxWith());
  const r = await cutoverCheck(t.ctx, { only: [id] }, now ? { now: () => now } : {});
  expect(r.results).toHaveLength(1);
  return r.results[0]!;
}

describe('cutover check: everything right', () => {
  it('passes every check on a well-prepared domain and records the run', async () => {
    const t = await ctxWith();
    const r = await cutoverCheck(t.ctx);
    const summary = r.results.map((c) => `${c.id}: ${c.status} ${c.reason}`);
    expect(r.results.map((c) => [c.id, c.status]), summary.join('\n')).toEqual([
      ['mx', 'PASS'],
      ['spf', 'PASS'],
      ['dkim', 'PASS'],
      ['dmarc', 'PASS'],
      ['mta-sts', 'PASS'],
      ['tls-rpt', 'PASS'],
      ['autodiscover', 'PASS'],
      ['srv', 'PASS'],
      ['smtp', 'PASS'],
      ['sync-parity', 'PASS'],
    ]);
    expect(r.fail).toBe(0);
    // The SMTP probe asked RCPT for every address and never sent DATA.
    expect(w.smtp.seen).toEqual(expect.arrayContaining(ADDRESSES.map((a) => `RCPT ${a}`)));
    expect(w.smtp.seen).not.toContain('DATA');
    const stored = await t.ctx.store.cutover.lastCheckRun();
    expect(stored).toHaveLength(10);
    expect(stored.every((s) => s.status === 'PASS')).toBe(true);
  });
});

describe('MX and TTL', () => {
  it('FAILs with TTL 86400 when T is closer than the TTL, WARNs when there is still time', async () => {
    w.dns.set(DOMAIN, 'MX', [{ exchange: OLD_MX, priority: 10, ttl: 86400 }]);
    const soon = await check('mx', await ctxWith({ at: new Date(Date.now() + 2 * 3600_000).toISOString() }));
    expect(soon.status).toBe('FAIL');
    expect(soon.reason).toContain('MX TTL is 1 d');
    expect(soon.fix).toContain('lower the MX TTL to 300 s');
    const later = await check('mx', await ctxWith({ at: new Date(Date.now() + 5 * 86400_000).toISOString() }));
    expect(later.status).toBe('WARN');
  });

  it('FAILs when the TTL was lowered too late (the old TTL still runs past T)', async () => {
    const T = Date.now() + 10 * 86400_000;
    const t = await ctxWith({ at: new Date(T).toISOString() });
    w.dns.set(DOMAIN, 'MX', [{ exchange: OLD_MX, priority: 10, ttl: 86400 }]);
    expect((await check('mx', t, new Date(T - 9 * 86400_000))).status).toBe('WARN');
    w.dns.set(DOMAIN, 'MX', [{ exchange: OLD_MX, priority: 10, ttl: 300 }]);
    const late = await check('mx', t, new Date(T - 3 * 3600_000));
    expect(late.status).toBe('FAIL');
    expect(late.reason).toContain('caches may hold the old TTL of 1 d');
  });

  it('FAILs when one authoritative server disagrees', async () => {
    w.dns.set(DOMAIN, 'MX', [{ exchange: 'mx.stale-secondary.test', priority: 10 }], [w.auth[1]!]);
    const r = await check('mx');
    expect(r.status).toBe('FAIL');
    expect(r.reason).toContain('disagree');
    expect(r.reason).toContain(`${w.auth[1]} answers 10 mx.stale-secondary.test`);
  });

  it('records the old MX set at the first check (for rollback)', async () => {
    const t = await ctxWith();
    await check('mx', t);
    expect((await t.ctx.store.cutover.state()).oldMx).toEqual([{ host: OLD_MX, priority: 10 }]);
  });
});

describe('SPF', () => {
  it('FAILs with 11 DNS lookups', async () => {
    const incs = Array.from({ length: 9 }, (_, i) => `include:s${i}.spf.test`).join(' ');
    w.dns.set(DOMAIN, 'TXT', [{ text: `v=spf1 include:spf.oldmail.test include:spf.newmail.test ${incs} -all` }]);
    for (let i = 0; i < 9; i++) w.dns.set(`s${i}.spf.test`, 'TXT', [{ text: 'v=spf1 ip4:203.0.113.1 -all' }]);
    // 2 (old, new) + 1 (spf2 inside new) + 1 (a: inside spf2) + 9 = 13 - but count exactly:
    const r = await check('spf');
    expect(r.status).toBe('FAIL');
    expect(r.reason).toMatch(/^13 DNS-querying terms/);
  });

  it('counts exactly 11 through nested includes', async () => {
    const incs = Array.from({ length: 7 }, (_, i) => `include:s${i}.spf.test`).join(' ');
    w.dns.set(DOMAIN, 'TXT', [{ text: `v=spf1 include:spf.oldmail.test include:spf.newmail.test ${incs} -all` }]);
    for (let i = 0; i < 7; i++) w.dns.set(`s${i}.spf.test`, 'TXT', [{ text: 'v=spf1 ip4:203.0.113.1 -all' }]);
    const r = await check('spf');
    expect(r.status).toBe('FAIL');
    expect((r.data as { lookups: number }).lookups).toBe(11);
    // At exactly 10 it passes.
    w.dns.set(DOMAIN, 'TXT', [{ text: `v=spf1 include:spf.oldmail.test include:spf.newmail.test ${incs.split(' ').slice(1).join(' ')} -all` }]);
    const ok = await check('spf');
    expect(ok.status).toBe('PASS');
    expect(ok.reason).toContain('10 DNS lookups');
  });

  it('FAILs with two SPF records', async () => {
    w.dns.set(DOMAIN, 'TXT', [{ text: 'v=spf1 include:spf.oldmail.test -all' }, { text: 'v=spf1 include:spf.newmail.test -all' }]);
    const r = await check('spf');
    expect(r.status).toBe('FAIL');
    expect(r.reason).toContain('2 SPF records');
  });

  it('FAILs without the new include, WARNs without the old one, FAILs on a loop', async () => {
    w.dns.set(DOMAIN, 'TXT', [{ text: 'v=spf1 include:spf.oldmail.test -all' }]);
    const noNew = await check('spf');
    expect(noNew.status).toBe('FAIL');
    expect(noNew.reason).toContain('include:spf.newmail.test (the new provider) is missing');
    w.dns.set(DOMAIN, 'TXT', [{ text: 'v=spf1 include:spf.newmail.test -all' }]);
    const noOld = await check('spf');
    expect(noOld.status).toBe('WARN');
    expect(noOld.reason).toContain('include:spf.oldmail.test (the old provider) is missing');
    w.dns.set(DOMAIN, 'TXT', [{ text: 'v=spf1 include:spf.oldmail.test include:spf.newmail.test include:loop.spf.test -all' }]);
    w.dns.set('loop.spf.test', 'TXT', [{ text: `v=spf1 include:${DOMAIN} -all` }]);
    const loop = await check('spf');
    expect(loop.status).toBe('FAIL');
    expect(loop.reason).toContain(`loop: ${DOMAIN} -> loop.spf.test -> ${DOMAIN}`);
  });

  it('FAILs without any SPF record', async () => {
    w.dns.set(DOMAIN, 'TXT', [{ text: 'MS=ms12345678' }]);
    expect((await check('spf')).status).toBe('FAIL');
  });
});

describe('DKIM', () => {
  it('FAILs when a selector is not published, and when the key does not parse', async () => {
    const missing = await check('dkim', await ctxWith({ dkimSelectors: ['selector1', 'selector2'] }));
    expect(missing.status).toBe('FAIL');
    expect(missing.reason).toContain(`selector2._domainkey.${DOMAIN}: no DKIM key published`);
    w.dns.set('selector1-acme-test._domainkey.newmail.test', 'TXT', [{ text: 'v=DKIM1; k=rsa; p=bm90IGEga2V5' }]);
    const bad = await check('dkim');
    expect(bad.status).toBe('FAIL');
    expect(bad.reason).toContain('p= does not hold a valid RSA public key');
  });

  it('PASSes through the CNAME and reports the key size', async () => {
    const r = await check('dkim');
    expect(r.status).toBe('PASS');
    expect(r.reason).toContain('selector1 (rsa 2048 bit) (via selector1-acme-test._domainkey.newmail.test)');
  });
});

describe('DMARC', () => {
  it('FAILs when missing, WARNs without rua and on p=reject during the window', async () => {
    w.dns.remove(`_dmarc.${DOMAIN}`, 'TXT');
    expect((await check('dmarc')).status).toBe('FAIL');
    w.dns.set(`_dmarc.${DOMAIN}`, 'TXT', [{ text: 'v=DMARC1; p=none' }]);
    const noRua = await check('dmarc');
    expect(noRua.status).toBe('WARN');
    expect(noRua.reason).toContain('no rua=');
    w.dns.set(`_dmarc.${DOMAIN}`, 'TXT', [{ text: `v=DMARC1; p=reject; rua=mailto:d@${DOMAIN}` }]);
    const reject = await check('dmarc');
    expect(reject.status).toBe('WARN');
    expect(reject.reason).toContain('p=reject');
  });
});

describe('MTA-STS', () => {
  it('PASSes when the domain does not use MTA-STS', async () => {
    w.dns.remove(`_mta-sts.${DOMAIN}`, 'TXT');
    const r = await check('mta-sts');
    expect(r.status).toBe('PASS');
    expect(r.reason).toContain('not used');
  });

  it('FAILs when the policy misses the new MX, then on a stale id, then PASSes once the id changes', async () => {
    const t = await ctxWith();
    w.https.setPolicy(w.policy([OLD_MX]));
    const missing = await check('mta-sts', t);
    expect(missing.status).toBe('FAIL');
    expect(missing.reason).toContain(`does not cover the new MX ${NEW_MX}`);
    // The operator adds the new MX but forgets the id.
    w.https.setPolicy(w.policy([OLD_MX, NEW_MX]));
    const stale = await check('mta-sts', t);
    expect(stale.status).toBe('FAIL');
    expect(stale.reason).toContain('the _mta-sts id is still "20261101"');
    w.dns.set(`_mta-sts.${DOMAIN}`, 'TXT', [{ text: 'v=STSv1; id=20261201' }]);
    const ok = await check('mta-sts', t);
    expect(ok.status).toBe('PASS');
    expect(ok.reason).toContain('id changed from "20261101" to "20261201"');
  });

  it('matches wildcards for exactly one label', async () => {
    w.https.setPolicy(w.policy([OLD_MX, '*.newmail.test']));
    expect((await check('mta-sts')).status).toBe('PASS');
    w.https.setPolicy(w.policy([OLD_MX, '*.test']));
    expect((await check('mta-sts', await ctxWith())).status).toBe('FAIL');
  });

  it('FAILs when the policy cannot be fetched (404, or a certificate for another name)', async () => {
    w.https.setPolicy(undefined);
    const nf = await check('mta-sts');
    expect(nf.status).toBe('FAIL');
    expect(nf.reason).toContain('HTTP 404');
    // A certificate from the trusted test CA, but for another name.
    const other = await startHttpsServer(w.pki.leaf('www.other.test'));
    other.setPolicy(w.policy([OLD_MX, NEW_MX]));
    try {
      const r = await check('mta-sts', await ctxWith({ mtaSts: { hostMap: { [`mta-sts.${DOMAIN}`]: other.address }, caFile: w.pki.caFile } }));
      expect(r.status).toBe('FAIL');
      expect(r.reason).toMatch(/Hostname\/IP does not match certificate's altnames/);
      // And the right name from a CA that is not trusted.
      const untrusted = await check('mta-sts', await ctxWith({ mtaSts: { hostMap: { [`mta-sts.${DOMAIN}`]: w.https.address } } }));
      expect(untrusted.status).toBe('FAIL');
      expect(untrusted.reason).toMatch(/certificate/i);
    } finally {
      await other.stop();
    }
  });

  it('WARNs on mode enforce with a long max_age during the window', async () => {
    w.https.setPolicy(w.policy([OLD_MX, NEW_MX], { mode: 'enforce', maxAge: 604800 }));
    const r = await check('mta-sts');
    expect(r.status).toBe('WARN');
    expect(r.reason).toContain('mode enforce with max_age 7 d');
  });
});

describe('TLS-RPT, autodiscover, SRV', () => {
  it('TLS-RPT: WARN when missing, FAIL without a valid rua', async () => {
    w.dns.remove(`_smtp._tls.${DOMAIN}`, 'TXT');
    expect((await check('tls-rpt')).status).toBe('WARN');
    w.dns.set(`_smtp._tls.${DOMAIN}`, 'TXT', [{ text: 'v=TLSRPTv1; rua=tlsrpt@acme.test' }]);
    expect((await check('tls-rpt')).status).toBe('FAIL');
  });

  it('autodiscover: WARN before T when it still points to the old provider, FAIL after confirm', async () => {
    w.dns.set(`autodiscover.${DOMAIN}`, 'CNAME', [{ value: 'autodiscover.oldmail.test' }]);
    const before = await check('autodiscover');
    expect(before.status).toBe('WARN');
    expect(before.reason).toContain('points to autodiscover.oldmail.test, not autodiscover.newmail.test');
    const t = await ctxWith();
    await t.ctx.store.cutover.updateState({ confirmedAt: new Date().toISOString() });
    expect((await check('autodiscover', t)).status).toBe('FAIL');
  });

  it('SRV: WARN when _imaps._tcp points elsewhere; PASS when none are published', async () => {
    w.dns.set(`_imaps._tcp.${DOMAIN}`, 'SRV', [{ port: 993, target: 'imap.oldmail.test' }]);
    const wrong = await check('srv');
    expect(wrong.status).toBe('WARN');
    expect(wrong.reason).toContain('_imaps._tcp points to imap.oldmail.test, not imap.newmail.test');
    w.dns.remove(`_imaps._tcp.${DOMAIN}`, 'SRV');
    w.dns.remove(`_submission._tcp.${DOMAIN}`, 'SRV');
    expect((await check('srv')).status).toBe('PASS');
  });
});

describe('SMTP probe', () => {
  it('FAILs when STARTTLS is missing', async () => {
    const plain = await startSmtpServer({ starttls: false, accept: ADDRESSES });
    try {
      const r = await check('smtp', await ctxWith({ smtp: { hostMap: { [NEW_MX]: plain.address }, caFile: w.pki.caFile, timeoutMs: 5000 } }));
      expect(r.status).toBe('FAIL');
      expect(r.reason).toContain('STARTTLS is not offered');
      expect(plain.seen.filter((s) => s.startsWith('RCPT'))).toEqual([]);
    } finally {
      await plain.stop();
    }
  });

  it('FAILs with a certificate for another name', async () => {
    const wrong = await startSmtpServer({ cert: w.pki.leaf('mail.someone-else.test'), accept: ADDRESSES });
    try {
      const r = await check('smtp', await ctxWith({ smtp: { hostMap: { [NEW_MX]: wrong.address }, caFile: w.pki.caFile, timeoutMs: 5000 } }));
      expect(r.status).toBe('FAIL');
      expect(r.reason).toContain(`certificate is not valid for ${NEW_MX}`);
    } finally {
      await wrong.stop();
    }
  });

  it('FAILs when the certificate is from an untrusted CA (no caFile)', async () => {
    const r = await check('smtp', await ctxWith({ smtp: { hostMap: { [NEW_MX]: w.smtp.address }, timeoutMs: 5000 } }));
    expect(r.status).toBe('FAIL');
    expect(r.reason).toContain('certificate not trusted');
  });

  it('FAILs when RCPT is refused for a migrated address', async () => {
    w.smtp.accept.delete('bob@acme.test');
    try {
      const r = await check('smtp');
      expect(r.status).toBe('FAIL');
      expect(r.reason).toContain('RCPT TO refused for bob@acme.test (550');
      expect(r.reason).not.toContain('alice@acme.test');
    } finally {
      w.smtp.accept.add('bob@acme.test');
    }
  });

  it('FAILs when port 25 is not reachable', async () => {
    const gone = await startSmtpServer({ cert: w.pki.leaf(NEW_MX) });
    const addr = gone.address;
    await gone.stop();
    const r = await check('smtp', await ctxWith({ smtp: { hostMap: { [NEW_MX]: addr }, caFile: w.pki.caFile, timeoutMs: 2000 } }));
    expect(r.status).toBe('FAIL');
    expect(r.reason).toContain('port not reachable');
  });
});

describe('sync parity', () => {
  it('FAILs before any sync with "run mailshift sync first", PASSes after a complete one', async () => {
    const t = await ctxWith({}, { synced: false });
    const none = await check('sync-parity', t);
    expect(none.status).toBe('FAIL');
    expect(none.fix).toBe('run mailshift sync first');
    await recordCompleteSync(t.ctx);
    expect((await check('sync-parity', t)).status).toBe('PASS');
  });

  it('FAILs when the last sync was incomplete', async () => {
    const t = await ctxWith({}, { synced: false });
    const id = await t.ctx.store.startPhase('sync');
    await t.ctx.store.setAccountState(await t.ctx.store.upsertAccount('alice', 'alice@acme.test'), 'incomplete', 'quota');
    await t.ctx.store.finishPhase(id, 'incomplete');
    const r = await check('sync-parity', t);
    expect(r.status).toBe('FAIL');
    expect(r.reason).toContain('ended incomplete');
    expect(r.reason).toContain('alice (incomplete)');
  });
});

describe('cutover confirm', () => {
  it('refuses while an authoritative server still answers the old set, then records T', async () => {
    const t = await ctxWith();
    w.dns.set(DOMAIN, 'MX', [{ exchange: NEW_MX, priority: 0 }], [w.auth[0]!]);
    const err = await cutoverConfirm(t.ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncompleteError);
    expect((err as Error).message).toContain(`${w.auth[1]} answers 10 ${OLD_MX}`);
    w.dns.set(DOMAIN, 'MX', [{ exchange: NEW_MX, priority: 0 }]);
    const before = Date.now();
    const ok = await cutoverConfirm(t.ctx);
    expect(ok.alreadyConfirmed).toBe(false);
    expect(new Date(ok.confirmedAt).getTime()).toBeGreaterThanOrEqual(before - 5);
    const again = await cutoverConfirm(t.ctx);
    expect(again).toMatchObject({ alreadyConfirmed: true, confirmedAt: ok.confirmedAt });
    // After confirm the MX check expects the new set.
    expect((await check('mx', t)).status).toBe('PASS');
  });
});
