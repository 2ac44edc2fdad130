// Pure parts of assess: risk rules and ranking, the estimate, the DNS advice and the rendering.
import { describe, expect, it } from 'vitest';
import { adviseCutover } from '../../src/assess/domain.js';
import { computeEstimate } from '../../src/assess/estimate.js';
import { SizeTally } from '../../src/assess/inventory.js';
import { esc, renderHtml } from '../../src/assess/render-html.js';
import { renderMarkdown } from '../../src/assess/render-md.js';
import { findRisks, rankRisks, type RiskInput } from '../../src/assess/risks.js';
import type { AccountReport, Assessment, DomainSnapshot, Risk, SideReport } from '../../src/assess/types.js';
import type { ServerConfig } from '../../src/config/types.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

function side(s: 'source' | 'destination', user: string, over: Partial<SideReport> = {}): SideReport {
  return { side: s, user, login: { ok: true }, folders: [], totals: { folders: 1, messages: 10, bytes: 1000 }, histogram: [], largest: [], ...over };
}
function account(user: string, over: Partial<AccountReport> = {}): AccountReport {
  return { sourceUser: user, destinationUser: user, source: side('source', user), destination: side('destination', user), mapping: [], assessed: true, ...over };
}
function input(over: Partial<RiskInput> = {}): RiskInput {
  return { servers: [], capabilities: {}, accounts: [account('a@x')], sourcePreset: 'dovecot', destinationPreset: 'dovecot', now: NOW, ...over };
}
function server(preset: string, over: Partial<ServerConfig> = {}): ServerConfig {
  return { preset, host: 'h', port: 993, tls: 'implicit', allowInsecure: false, maxConnections: 4, throttle: {}, ...over };
}

describe('findRisks', () => {
  it('names Cyrus as a destination that changes mail (munge8bit), from its greeting alone', () => {
    const greeting = '* OK [CAPABILITY IMAP4rev1 LITERAL+] mail Cyrus IMAP 3.6.1-Debian-3.6.1-4 server ready';
    const risks = findRisks(input({ servers: [{ side: 'destination', host: 'h', port: 143, tls: 'none', preset: 'generic', addresses: [], ok: true, greeting }] }));
    const r = risks.find((x) => x.id === 'server-alters-mail')!;
    expect(r.severity).toBe('warning');
    expect(r.detail).toMatch(/munge8bit/);
    expect(r.fix).toMatch(/munge8bit: no/);
    expect(findRisks(input({ servers: [{ side: 'source', host: 'h', port: 143, tls: 'none', preset: 'generic', addresses: [], ok: true, greeting }] })).find((x) => x.id === 'server-alters-mail')).toBeUndefined();
  });

  it('reports nothing for a clean job', () => {
    expect(findRisks(input())).toEqual([]);
  });

  it('suspects the Tencent "last 30 days" setting when the oldest message is about 30 days old, and only then', () => {
    const recent = account('new@x', { source: side('source', 'new@x', { totals: { folders: 3, messages: 40, bytes: 1, oldest: daysAgo(29.5), newest: daysAgo(0) } }) });
    const old = account('old@x', { source: side('source', 'old@x', { totals: { folders: 3, messages: 40, bytes: 1, oldest: daysAgo(900), newest: daysAgo(0) } }) });
    const risks = findRisks(input({ sourcePreset: 'tencent-exmail', accounts: [recent, old] }));
    const r = risks.find((x) => x.id === 'fetch-range-30-days')!;
    expect(r.severity).toBe('blocker');
    expect(r.accounts).toEqual(['new@x']);
    expect(r.fix).toMatch(/收取选项/);
    // Same data on a provider without the quirk: no such risk.
    expect(findRisks(input({ sourcePreset: 'dovecot', accounts: [recent, old] })).find((x) => x.id === 'fetch-range-30-days')).toBeUndefined();
    // Alibaba with only old mail: a reminder, not a blocker.
    expect(findRisks(input({ sourcePreset: 'aliyun', accounts: [old] })).find((x) => x.id === 'fetch-range-30-days')!.severity).toBe('info');
  });

  it('reports an unreachable server once, not once per account, and no login risk for that side', () => {
    const failure = { kind: 'unreachable', reason: 'destination server h:993: connection refused', fix: 'check destination.port' };
    const accs = ['a@x', 'b@x', 'c@x'].map((u) => account(u, { destination: side('destination', u, { login: { ok: false, failure } }), assessed: false }));
    const risks = findRisks(input({ accounts: accs, servers: [{ side: 'destination', host: 'h', port: 993, tls: 'implicit', preset: 'dovecot', addresses: [], ok: false, failure }] }));
    expect(risks.map((r) => r.id)).toEqual(['unreachable']);
    expect(risks[0]!.accounts).toEqual(['a@x', 'b@x', 'c@x']);
  });

  it('groups login failures per side and kind, with the preset fix (M365 needs OAuth)', () => {
    const f = (u: string) => ({ kind: 'auth', reason: `source ${u}: login refused`, fix: 'Microsoft 365 … OAuth2' });
    const accs = ['a@x', 'b@x'].map((u) => account(u, { source: side('source', u, { login: { ok: false, failure: f(u) } }) }));
    const risks = findRisks(input({ accounts: [...accs, account('ok@x')] }));
    expect(risks).toHaveLength(1);
    expect(risks[0]!.title).toBe('Login refused for 2 source accounts');
    expect(risks[0]!.detail).toContain('a@x');
    expect(risks[0]!.fix).toMatch(/OAuth2/);
  });

  it('flags Gmail All Mail, Zoho hidden folders, the M365 item limit and NetEase IMAP ID', () => {
    const gmail = account('g@x', {
      mapping: [{ sourcePath: '[Gmail]/All Mail', sourceLogicalPath: '[Gmail]/All Mail', destinationPath: 'All Mail', destinationLogicalPath: 'All Mail', action: 'copy', specialUse: '\\All', existsOnDestination: false, notes: [], messages: 5, bytes: 5 }],
    });
    const g = findRisks(input({ sourcePreset: 'gmail', accounts: [gmail] })).find((r) => r.id === 'gmail-labels')!;
    expect(g.folders).toEqual(['g@x: [Gmail]/All Mail']);
    expect(g.fix).toMatch(/folders\.exclude/);
    expect(findRisks(input({ sourcePreset: 'zoho' })).map((r) => r.id)).toContain('zoho-hidden-folders');
    const huge = account('big@x', { source: side('source', 'big@x', { totals: { folders: 1, messages: 600_000, bytes: 1 } }) });
    const m = findRisks(input({ destinationPreset: 'm365', accounts: [huge] })).find((r) => r.id === 'max-items')!;
    expect(m.severity).toBe('blocker');
    expect(m.messages).toBe(100_000);
    expect(findRisks(input({ sourcePreset: 'netease-qiye' })).find((r) => r.id === 'imap-id')!.severity).toBe('info');
  });

  it('counts over-size messages per folder and finds quota shortfalls', () => {
    const a = account('a@x', {
      source: side('source', 'a@x', { totals: { folders: 1, messages: 3, bytes: 5_000_000 }, oversize: [{ folder: 'INBOX', uid: 1, size: 40e6 }, { folder: 'INBOX', uid: 2, size: 36e6 }, { folder: 'Sent', uid: 9, size: 50e6 }] }),
      destination: side('destination', 'a@x', { quota: { storageLimit: 4_000_000, storageUsed: 0 } }),
    });
    const risks = findRisks(input({ accounts: [a], destinationLimit: { bytes: 35 * 1024 * 1024, from: 'preset' } }));
    const over = risks.find((r) => r.id === 'oversize')!;
    expect(over.messages).toBe(3);
    expect(over.folders).toEqual(['a@x: INBOX (2)', 'a@x: Sent (1)']);
    expect(risks.find((r) => r.id === 'quota')!.accounts).toEqual(['a@x']);
    // An excluded folder is not copied: its big messages and its bytes do not count.
    const row = (p: string, action: 'copy' | 'exclude') => ({ sourcePath: p, sourceLogicalPath: p, destinationPath: p, destinationLogicalPath: p, action, existsOnDestination: false, notes: [], messages: 1, bytes: 1 });
    const folder = (p: string, bytes: number) => ({ path: p, logicalPath: p, selectable: true, messages: 1, bytes, sizeSource: 'fetch' as const, largest: [] });
    const b = { ...a, mapping: [row('INBOX', 'copy'), row('Sent', 'exclude')], source: { ...a.source, folders: [folder('INBOX', 1_000_000), folder('Sent', 4_000_000)] } };
    const r2 = findRisks(input({ accounts: [b], destinationLimit: { bytes: 35 * 1024 * 1024, from: 'preset' } }));
    expect(r2.find((r) => r.id === 'oversize')!.folders).toEqual(['a@x: INBOX (2)']);
    expect(r2.find((r) => r.id === 'quota')).toBeUndefined();
  });

  it('reports an account whose check broke off after login as a blocker', () => {
    const a = account('a@x', { source: side('source', 'a@x', { error: 'Connection not available' }) });
    const r = findRisks(input({ accounts: [a, account('b@x')] }));
    expect(r.map((x) => x.id)).toEqual(['account-error']);
    expect(r[0]!.accounts).toEqual(['a@x']);
    expect(r[0]!.detail).toBe('source a@x: Connection not available');
  });

  it('ranks blockers before warnings before notes, most mail first', () => {
    const r = (id: string, severity: Risk['severity'], messages?: number): Risk => ({ id, severity, title: id, detail: '', fix: '', accounts: [], folders: [], messages });
    expect(rankRisks([r('n', 'info'), r('w', 'warning'), r('b1', 'blocker', 5), r('b2', 'blocker', 50)]).map((x) => x.id)).toEqual(['b2', 'b1', 'w', 'n']);
  });
});

describe('SizeTally', () => {
  it('keeps a histogram, the largest messages and the over-size ones', () => {
    const t = new SizeTally(2, 1000);
    for (const [uid, size] of [[1, 10], [2, 5000], [3, 20_000], [4, 2_000_000]] as const) t.add({ folder: 'F', uid, size });
    expect(t.histogram.slice(0, 4)).toEqual([2, 1, 0, 1]);
    expect(t.largest.map((m) => m.uid)).toEqual([4, 3]);
    expect(t.oversize.map((m) => m.uid)).toEqual([2, 3, 4]);
  });
});

describe('computeEstimate', () => {
  const probe = { seconds: 2, connections: 4, messages: 200, bytes: 20 * 1024 * 1024, messagesPerSecond: 100, bytesPerSecond: 10 * 1024 * 1024 };
  it('divides the volume by the measured rate and says so', () => {
    const e = computeEstimate({ probe, accounts: [{ sourceUser: 'a', messages: 1000, bytes: 50 * 1024 * 1024 }], source: server('dovecot'), destination: server('dovecot') });
    expect(e.totalSeconds).toBeCloseTo(10, 5); // 1000 msgs at 100 msg/s; 50 MB at 10 MB/s = 5 s
    expect(e.perAccount[0]!.boundBy).toBe('message rate');
    expect(e.assumptions.join('\n')).toMatch(/measured from the source/);
  });
  it("applies Gmail's 500 MB/day upload limit per mailbox", () => {
    const e = computeEstimate({ probe, accounts: [{ sourceUser: 'a', messages: 1000, bytes: 2_000_000_000 }, { sourceUser: 'b', messages: 10, bytes: 1024 }], source: server('dovecot'), destination: server('google-workspace') });
    expect(e.perAccount[0]!.seconds).toBeCloseTo(4 * 86400, 0);
    expect(e.perAccount[0]!.boundBy).toMatch(/500 MB\/day upload/);
    expect(e.perAccount[1]!.seconds).toBeLessThan(1);
    expect(e.totalSeconds).toBeCloseTo(4 * 86400, 0);
  });
  it('messagesPerHour is shared by every mailbox of the job, as the copier keeps it at the server', () => {
    const accounts = Array.from({ length: 30 }, (_, i) => ({ sourceUser: `u${i}`, messages: 1000, bytes: 1 }));
    const e = computeEstimate({ probe, accounts, source: server('dovecot'), destination: server('m365', { throttle: { messagesPerHour: 36000 } }) });
    // 30,000 messages at 80 % of 36,000 an hour: 3,750 s, not the 125 s of one mailbox alone.
    expect(e.totalSeconds).toBeCloseTo(3750, 5);
    expect(e.assumptions.join('\n')).toMatch(/36000 messages per hour to the server, shared by all mailboxes/);
  });
  it('applies throttles and falls back to stated assumptions without a probe', () => {
    const e = computeEstimate({ accounts: [{ sourceUser: 'a', messages: 3600, bytes: 1 }], source: server('dovecot'), destination: server('m365', { throttle: { messagesPerHour: 3600 } }) });
    // The pacing keeps about 80 % of the configured rate.
    expect(e.totalSeconds).toBeCloseTo(4500, 5);
    expect(e.assumptions.join('\n')).toMatch(/no read rate could be measured/);
  });
});

describe('adviseCutover', () => {
  const snap = (over: Partial<DomainSnapshot>): DomainSnapshot => ({ domain: 'acme.hk', resolvers: [], via: 'mailshift-dns', mx: { values: [] }, spf: { values: [] }, dmarc: { values: [] }, autodiscover: { values: [] }, advice: [], ...over });
  const cfg = { source: server('tencent-exmail'), destination: server('m365'), cutover: {} };
  it('asks to lower a long MX TTL a day ahead and to add the destination SPF include', () => {
    const a = adviseCutover(snap({ mx: { values: [{ exchange: 'mxbiz1.qq.com', priority: 5 }], ttl: 86400 }, spf: { values: ['v=spf1 include:spf.mail.qq.com -all'] } }), cfg);
    expect(a.join('\n')).toMatch(/lower the MX TTL from 86400 s to 300 s at least 48 h before the switch/);
    expect(a.join('\n')).toMatch(/add include:spf\.protection\.outlook\.com/);
    expect(a.join('\n')).toMatch(/autodiscover\.acme\.hk .* autodiscover\.outlook\.com/);
  });
  it('says the TTL is unknown and that DNS failed, without throwing', () => {
    expect(adviseCutover(snap({ mx: { values: [{ exchange: 'mx', priority: 1 }] } }), cfg).join('\n')).toMatch(/MX TTL unknown/);
    expect(adviseCutover(snap({ mx: { values: [], error: 'no answer' } }), cfg).join('\n')).toMatch(/could not be read \(no answer\)/);
  });
});

describe('rendering', () => {
  const a: Assessment = {
    job: 'j',
    domain: 'acme.hk',
    generatedAt: NOW.toISOString(),
    mailshiftVersion: '0.1.0',
    verdict: 'no-go',
    summary: { accounts: 1, accountsAssessed: 1, folders: 1, messages: 10, bytes: 1000, blockers: 1, warnings: 0, estimatedSeconds: 90 },
    servers: [],
    capabilities: {},
    accounts: [account('<script>alert(1)</script>@x')],
    risks: [{ id: 'oversize', severity: 'blocker', title: 'Too big <b>', detail: 'd', fix: 'f & g', accounts: ['a'], folders: [] }],
    estimate: { totalSeconds: 90, perAccount: [], assumptions: ['x'] },
    domainSnapshot: { domain: 'acme.hk', resolvers: [], via: 'mailshift-dns', mx: { values: [] }, spf: { values: [] }, dmarc: { values: [] }, autodiscover: { values: [] }, advice: [] },
    histogram: { labels: ['a', 'b'], counts: [3, 4] },
  };
  it('puts the verdict and the blockers first, escapes everything, loads nothing external', () => {
    const html = renderHtml(a);
    expect(html.indexOf('NO-GO')).toBeLessThan(html.indexOf('What could lose mail'));
    expect(html).toContain('<li>Too big &lt;b&gt;</li>');
    expect(html).not.toContain('<script>');
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect((html.match(/<svg /g) ?? []).length).toBe(2);
    expect(esc(`"'&`)).toBe('&quot;&#39;&amp;');
  });
  it('writes the same verdict and fixes in Markdown', () => {
    const md = renderMarkdown(a);
    expect(md).toContain('## NO-GO — fix the problems first');
    expect(md).toContain('**What to do:** f & g');
    // No throughput was measured (no probe): the copy time is not stated.
    expect(md).toContain('Estimated copy time: not measured');
    expect(renderMarkdown({ ...a, estimate: { ...a.estimate, probe: { messages: 50, bytes: 1, seconds: 5, messagesPerSecond: 10, bytesPerSecond: 1, connections: 1 } } })).toContain('Estimated copy time: 2 min');
  });
});

describe('loginFailure', () => {
  const authErr = Object.assign(new Error('Command failed'), { authenticationFailed: true, responseText: 'Authentication failed.' });
  it('gives the fix of the provider preset', async () => {
    const { loginFailure } = await import('../../src/assess/session.js');
    expect(loginFailure(authErr, server('m365'), 'destination', 'u@x').fix).toMatch(/OAuth2/);
    expect(loginFailure(authErr, server('tencent-exmail'), 'source', 'u@x').fix).toMatch(/客户端专用密码/);
    expect(loginFailure(authErr, server('google-workspace'), 'source', 'u@x').fix).toMatch(/app password/);
    expect(loginFailure(authErr, server('dovecot'), 'source', 'u@x').fix).toMatch(/^wrong user name or password/);
    const ipdeny = Object.assign(new Error('Command failed'), { authenticationFailed: true, responseText: 'ERR.LOGIN.IPDENY' });
    expect(loginFailure(ipdeny, server('netease-qiye'), 'source', 'u@x').fix).toMatch(/IP address/);
    const r = loginFailure(authErr, server('dovecot'), 'source', 'u@x');
    expect(r.kind).toBe('auth');
    expect(r.reason).toBe('source account u@x on h: login refused: Authentication failed.');
  });
});

describe('certificate expiry', () => {
  it('warns when an accepted certificate expires within three weeks', () => {
    const cert = { names: ['h'], selfSigned: false, trusted: true, matchesHost: true, validTo: daysAgo(-10) };
    const risks = findRisks(input({ servers: [{ side: 'source', host: 'h', port: 993, tls: 'implicit', preset: 'dovecot', addresses: [], ok: true, cert }] }));
    expect(risks.map((r) => r.id)).toEqual(['cert-expiring']);
  });
});

describe('findings it could not make', () => {
  it('says the "last 30 days" check was not made when no source mailbox could be read', () => {
    const unread = account('a@x', { source: side('source', 'a@x', { login: { ok: false, failure: { kind: 'auth', reason: 'login refused', fix: 'check the password' } } as SideReport['login'], totals: { folders: 0, messages: 0, bytes: 0 } }) });
    const r = findRisks(input({ sourcePreset: 'tencent-exmail', accounts: [unread] })).find((x) => x.id === 'fetch-range-30-days')!;
    expect(r.severity).toBe('warning');
    expect(r.detail).toMatch(/^Not measured/);
    expect(r.detail).not.toMatch(/No account looks limited/);
  });
});
