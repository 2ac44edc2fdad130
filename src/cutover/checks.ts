import type { DnsRecord, DnsServer } from '../dns/client.js';
import { lookup, lookupAt } from '../dns/resolver.js';
import type { Store } from '../store/store.js';
import type { CheckStatus, CutoverStore } from '../store/cutover-store.js';
import { fetchMtaStsPolicy } from './mta-sts.js';
import {
  countSpfLookups,
  isDmarc,
  isMtaStsTxt,
  isSpf,
  isTlsRpt,
  parseDkimKey,
  parseMtaStsPolicy,
  parseTags,
  policyCovers,
  spfIncludes,
} from './records.js';
import { formatMx, sameMxSet, type CutoverSettings, type MxHost } from './settings.js';
import { probeSmtp } from './smtp-probe.js';

// Every automatable check of the cutover checklist (../shared/reference/anchors-migration.md
// section (b)). Each returns PASS / WARN / FAIL with the reason and the fix; none writes to DNS.

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  reason: string;
  fix?: string;
  data?: unknown;
}

export interface CheckEnv {
  settings: CutoverSettings;
  /** Resolved authoritative servers (config or NS lookup). */
  authoritative: DnsServer[];
  resolvers: DnsServer[];
  store: Store;
  cutover: CutoverStore;
  /** The migrated addresses RCPT TO is probed for. */
  addresses: string[];
  now: Date;
  /** T: confirmed, else planned. */
  at?: Date;
  confirmed: boolean;
  signal?: AbortSignal;
}

export const CHECK_TITLES: Record<string, string> = {
  mx: 'MX set and TTL at the authoritative servers',
  spf: 'SPF record',
  dkim: 'DKIM keys of the new provider',
  dmarc: 'DMARC record',
  'mta-sts': 'MTA-STS policy',
  'tls-rpt': 'TLS-RPT record',
  autodiscover: 'Autodiscover / autoconfig',
  srv: 'RFC 6186 SRV records',
  smtp: 'SMTP probe of the new MX hosts',
  'sync-parity': 'Sync parity',
};

type Check = (env: CheckEnv) => Promise<Omit<CheckResult, 'id' | 'title'>>;

const dur = (s: number) => (s % 86400 === 0 ? `${s / 86400} d` : s % 3600 === 0 ? `${s / 3600} h` : `${s} s`);

/** Names in the domain: ask the authoritative servers first (fresh), then the resolvers. */
const own = (env: CheckEnv) => [...env.authoritative, ...env.resolvers];
/** Names that may sit in another zone (CNAME targets, SPF includes): the resolvers first. */
const anyZone = (env: CheckEnv) => [...env.resolvers, ...env.authoritative];
const dnsOpts = (env: CheckEnv) => ({ timeoutMs: env.settings.dnsTimeoutMs, signal: env.signal });
const txt = async (env: CheckEnv, servers: DnsServer[], name: string) =>
  (await lookup(servers, name, 'TXT', dnsOpts(env))).records.flatMap((r) => (r.type === 'TXT' ? [r.text] : []));
const mxOf = (records: DnsRecord[]): MxHost[] => records.flatMap((r) => (r.type === 'MX' ? [{ host: r.exchange, priority: r.priority }] : []));

// ---- 1, 2, 12: MX set and TTL ------------------------------------------------------------------

const mxCheck: Check = async (env) => {
  const s = env.settings;
  const answers: { server: string; mx: MxHost[]; ttl: number; error?: string }[] = [];
  for (const server of env.authoritative) {
    try {
      const r = await lookupAt(server, s.domain, 'MX', dnsOpts(env));
      answers.push({ server: server.label, mx: mxOf(r.records), ttl: Math.max(0, ...r.records.map((x) => x.ttl)) });
    } catch (err) {
      answers.push({ server: server.label, mx: [], ttl: 0, error: (err as Error).message });
    }
  }
  const data = { answers, expected: s.mx };
  const failed = answers.filter((a) => a.error);
  if (failed.length) {
    return { status: 'FAIL', reason: `no answer from ${failed.map((a) => a.error).join('; ')}`, fix: 'check cutover.dns.authoritative or the name servers of the domain', data };
  }
  const first = answers[0]!;
  const disagree = answers.filter((a) => !sameMxSet(a.mx, first.mx));
  if (disagree.length) {
    return {
      status: 'FAIL',
      reason: `the authoritative servers disagree: ${answers.map((a) => `${a.server} answers ${formatMx(a.mx)}`).join('; ')}`,
      fix: 'make every name server serve the same zone (a secondary that does not transfer, or a second DNS provider left over) before changing MX',
      data,
    };
  }
  if (!first.mx.length) return { status: 'FAIL', reason: `${s.domain} has no MX records`, fix: 'publish the MX records', data };
  if (!s.mx.length) {
    return { status: 'FAIL', reason: `current MX ${formatMx(first.mx)}; the new provider's MX hosts are not known`, fix: 'set cutover.mx in the config (the new provider shows them in its admin console)', data };
  }
  const ttl = Math.max(...answers.map((a) => a.ttl));
  const isNew = sameMxSet(first.mx, s.mx);
  // Remember the pre-switch set (for rollback) and the TTL history (for "low early enough").
  const st = env.cutover.state();
  const nowIso = env.now.toISOString();
  if (!isNew && !st.oldMx && !env.confirmed) env.cutover.updateState({ oldMx: first.mx });
  const ttlMax = Math.max(st.mxTtlMax ?? 0, ttl);
  env.cutover.updateState({ mxTtlMax: ttlMax, mxTtlLowSince: ttl <= s.maxTtl ? (st.mxTtlLowSince ?? nowIso) : null });
  const lowSince = ttl <= s.maxTtl ? new Date(st.mxTtlLowSince ?? nowIso) : undefined;

  if (env.confirmed) {
    if (isNew) return { status: 'PASS', reason: `every authoritative server answers the new set ${formatMx(first.mx)} (TTL ${dur(ttl)})`, data };
    return { status: 'FAIL', reason: `MX was confirmed changed, but the authoritative servers answer ${formatMx(first.mx)}, not ${formatMx(s.mx)}`, fix: 'set the MX records to the new set (remove the old ones)', data };
  }
  if (isNew) return { status: 'PASS', reason: `MX already points to the new provider: ${formatMx(first.mx)} (TTL ${dur(ttl)}); run "mailshift cutover confirm"`, data };
  const newHosts = new Set(s.mx.map((m) => m.host));
  const mixed = first.mx.filter((m) => newHosts.has(m.host));
  const setText = `${answers.length} authoritative server(s) agree on ${formatMx(first.mx)}`;
  if (ttl > s.maxTtl) {
    const due = env.at ? new Date(env.at.getTime() - ttl * 1000) : undefined;
    if (env.at && due! <= env.now) {
      return {
        status: 'FAIL',
        reason: `${setText}; MX TTL is ${dur(ttl)}: resolvers may keep the old MX for up to ${dur(ttl)} after T (${env.at.toISOString()}), so it is too late to lower it in time`,
        fix: `lower the MX TTL to ${s.maxTtl} s now and move the cutover to ${new Date(env.now.getTime() + ttl * 1000).toISOString()} or later`,
        data,
      };
    }
    return {
      status: 'WARN',
      reason: `${setText}; MX TTL is ${dur(ttl)} (want <= ${s.maxTtl} s during the window)`,
      fix: `lower the MX TTL to ${s.maxTtl} s${due ? ` before ${due.toISOString()} (the old TTL before T)` : ', at least the current TTL before T'}`,
      data,
    };
  }
  if (env.at && lowSince && ttlMax > s.maxTtl && lowSince.getTime() + ttlMax * 1000 > env.at.getTime()) {
    return {
      status: 'FAIL',
      reason: `${setText}; TTL was lowered to ${dur(ttl)} at ${lowSince.toISOString()}, but caches may hold the old TTL of ${dur(ttlMax)} until ${new Date(lowSince.getTime() + ttlMax * 1000).toISOString()}, after T`,
      fix: `move the cutover to ${new Date(lowSince.getTime() + ttlMax * 1000).toISOString()} or later`,
      data,
    };
  }
  if (mixed.length) {
    return {
      status: 'WARN',
      reason: `${setText}: old and new hosts are mixed (${formatMx(mixed)} already present)`,
      fix: 'unless you deliberately dual-deliver, switch to the new set in one change at T',
      data,
    };
  }
  return { status: 'PASS', reason: `${setText} (the old set); TTL ${dur(ttl)} <= ${s.maxTtl} s`, data };
};

// ---- 5: SPF --------------------------------------------------------------------------------------

const spfCheck: Check = async (env) => {
  const s = env.settings;
  const spf = (await txt(env, own(env), s.domain)).filter(isSpf);
  if (spf.length === 0) {
    return { status: 'FAIL', reason: `${s.domain} has no SPF record`, fix: `publish one TXT record "v=spf1 ${[s.oldSpfInclude, s.spfInclude].filter(Boolean).map((i) => `include:${i}`).join(' ')} ~all"` };
  }
  if (spf.length > 1) {
    return {
      status: 'FAIL',
      reason: `${spf.length} SPF records at ${s.domain}: receivers treat that as a permanent error (RFC 7208 §3.2)`,
      fix: 'merge them into one "v=spf1 …" record with every include',
      data: { records: spf },
    };
  }
  const record = spf[0]!;
  const count = await countSpfLookups(record, s.domain, (name) => txt(env, anyZone(env), name));
  const data = { record, lookups: count.lookups, terms: count.terms, problems: count.problems };
  const fails: string[] = [...count.problems];
  const warns: string[] = [];
  const fixes: string[] = [];
  if (count.lookups > 10) {
    fails.push(`${count.lookups} DNS-querying terms counted through include/redirect (the limit is 10: permerror)`);
    fixes.push('flatten or drop includes (e.g. remove senders no longer used, replace a:/mx: with ip4:)');
  }
  if (!s.spfInclude) warns.push("the new provider's SPF include is not known");
  else if (!spfIncludes(record, s.spfInclude)) {
    fails.push(`include:${s.spfInclude} (the new provider) is missing`);
    fixes.push(`add include:${s.spfInclude}`);
  }
  if (s.oldSpfInclude && !spfIncludes(record, s.oldSpfInclude) && !env.cutover.state().finalizedAt) {
    warns.push(`include:${s.oldSpfInclude} (the old provider) is missing: mail the old system still sends during the window fails SPF`);
    fixes.push(`keep include:${s.oldSpfInclude} until the old system stops sending`);
  }
  if (fails.length) return { status: 'FAIL', reason: fails.concat(warns).join('; '), fix: fixes.join('; ') || 'fix the SPF record', data };
  if (warns.length) return { status: 'WARN', reason: warns.join('; '), fix: fixes.join('; ') || 'set cutover.spfInclude', data };
  return { status: 'PASS', reason: `one SPF record, ${count.lookups} DNS lookups (<= 10), old and new senders included`, data };
};

// ---- 6: DKIM -----------------------------------------------------------------------------------

const dkimCheck: Check = async (env) => {
  const s = env.settings;
  if (!s.dkimSelectors.length) {
    return { status: 'WARN', reason: "the new provider's DKIM selectors are not known", fix: 'set cutover.dkimSelectors (the selectors the new provider signs with)' };
  }
  const problems: string[] = [];
  const found: string[] = [];
  for (const sel of s.dkimSelectors) {
    const name = `${sel}._domainkey.${s.domain}`;
    const res = await lookup(anyZone(env), name, 'TXT', dnsOpts(env));
    const texts = res.records.flatMap((r) => (r.type === 'TXT' ? [r.text] : []));
    const via = res.cnames.length ? ` (via ${res.cnames.join(' -> ')})` : '';
    if (!texts.length) {
      problems.push(`${name}${via}: no DKIM key published`);
      continue;
    }
    const key = parseDkimKey(texts.join(''));
    if (!key.ok) problems.push(`${name}${via}: ${key.problem}`);
    else found.push(`${sel} (${key.keyType}${key.bits ? ` ${key.bits} bit` : ''})${via}`);
  }
  if (problems.length) {
    return { status: 'FAIL', reason: problems.join('; '), fix: "publish the DKIM records exactly as the new provider's admin console shows them, then enable signing" };
  }
  return { status: 'PASS', reason: `DKIM keys published and parseable: ${found.join(', ')}` };
};

// ---- 7: DMARC ----------------------------------------------------------------------------------

const dmarcCheck: Check = async (env) => {
  const s = env.settings;
  const recs = (await txt(env, own(env), `_dmarc.${s.domain}`)).filter(isDmarc);
  const suggest = `v=DMARC1; p=none; rua=mailto:dmarc-reports@${s.domain}`;
  if (!recs.length) return { status: 'FAIL', reason: `no DMARC record at _dmarc.${s.domain}`, fix: `publish TXT "${suggest}" to see who sends as the domain during the window` };
  if (recs.length > 1) return { status: 'FAIL', reason: `${recs.length} DMARC records: receivers ignore all of them`, fix: 'keep exactly one' };
  const tags = parseTags(recs[0]!);
  const p = tags.get('p')?.toLowerCase();
  const data = { record: recs[0] };
  if (!p || !['none', 'quarantine', 'reject'].includes(p)) return { status: 'FAIL', reason: `DMARC policy p=${p ?? '(missing)'} is not valid`, fix: suggest, data };
  if (!tags.get('rua')) {
    return { status: 'WARN', reason: `DMARC p=${p} has no rua=: failures of new senders during the window stay invisible`, fix: `add rua=mailto:dmarc-reports@${s.domain}`, data };
  }
  if (p !== 'none' && !env.cutover.state().finalizedAt) {
    return {
      status: 'WARN',
      reason: `DMARC p=${p} with rua: during the window, mail from a sender not yet aligned (new provider before DKIM signing is on) is ${p === 'reject' ? 'rejected' : 'sent to spam'}`,
      fix: 'make sure the DKIM check passes and signing is enabled before T, or use p=none for the window and restore the policy after finalize',
      data,
    };
  }
  return { status: 'PASS', reason: `DMARC p=${p} with rua=${tags.get('rua')}`, data };
};

// ---- 8: MTA-STS --------------------------------------------------------------------------------

const mtaStsCheck: Check = async (env) => {
  const s = env.settings;
  const recs = (await txt(env, own(env), `_mta-sts.${s.domain}`)).filter(isMtaStsTxt);
  if (!recs.length) return { status: 'PASS', reason: `MTA-STS is not used (no _mta-sts.${s.domain} record): nothing to update` };
  if (recs.length > 1) return { status: 'FAIL', reason: `${recs.length} _mta-sts records: senders ignore MTA-STS`, fix: 'keep exactly one' };
  const id = parseTags(recs[0]!).get('id') ?? '';
  const fetched = await fetchMtaStsPolicy(s.domain, { ...s.mtaSts, signal: env.signal });
  if (!fetched.ok) {
    return { status: 'FAIL', reason: `_mta-sts id=${id} is published but the policy cannot be fetched from ${fetched.url}: ${fetched.error}`, fix: 'serve the policy over HTTPS with a valid certificate for mta-sts.<domain>, or remove the _mta-sts record' };
  }
  const text = fetched.text!;
  const policy = parseMtaStsPolicy(text);
  const data = { id, policy, url: fetched.url };
  // Snapshot at the first look: later checks compare the id against it.
  const st = env.cutover.state();
  if (!st.snapshotAt) env.cutover.updateState({ mtaStsId: id, mtaStsPolicy: text, snapshotAt: env.now.toISOString() });
  if (policy.problems.length) return { status: 'FAIL', reason: `policy at ${fetched.url}: ${policy.problems.join('; ')}`, fix: 'fix the policy file (RFC 8461 §3.2)', data };
  const missing = s.mx.filter((m) => !policyCovers(policy, m.host));
  if (!s.mx.length) return { status: 'FAIL', reason: "the new provider's MX hosts are not known", fix: 'set cutover.mx', data };
  if (missing.length && policy.mode !== 'none') {
    return {
      status: 'FAIL',
      reason: `the policy (mode ${policy.mode}) does not cover the new MX ${missing.map((m) => m.host).join(', ')}: senders that cached it will refuse to deliver after T`,
      fix: `add "mx: ${missing[0]!.host}" (keep the old hosts too) and publish a new id in _mta-sts.${s.domain}`,
      data,
    };
  }
  const norm = (t: string | null) => (t ?? '').replace(/\r/g, '').trim();
  if (st.snapshotAt && st.mtaStsPolicy !== null && norm(st.mtaStsPolicy) !== norm(text) && st.mtaStsId === id) {
    return {
      status: 'FAIL',
      reason: `the policy changed since ${st.snapshotAt} but the _mta-sts id is still "${id}": senders keep their cached policy for up to max_age`,
      fix: `publish a new id in _mta-sts.${s.domain} (e.g. id=${env.now.toISOString().replace(/\D/g, '').slice(0, 14)})`,
      data,
    };
  }
  const oldMx = s.oldMx ?? st.oldMx ?? [];
  const oldMissing = oldMx.filter((m) => !policyCovers(policy, m.host));
  if (!env.cutover.state().finalizedAt && oldMissing.length && policy.mode === 'enforce') {
    return {
      status: 'WARN',
      reason: `the policy no longer covers the old MX ${oldMissing.map((m) => m.host).join(', ')}: a rollback would be refused by senders for up to max_age (${policy.maxAge} s)`,
      fix: 'keep the old MX hosts in the policy until finalize',
      data,
    };
  }
  if (policy.mode === 'enforce' && (policy.maxAge ?? 0) > 86400 && !env.cutover.state().finalizedAt) {
    return {
      status: 'WARN',
      reason: `mode enforce with max_age ${dur(policy.maxAge!)}: senders cache this for that long, which slows any correction during the window`,
      fix: 'consider mode: testing and max_age: 86400 for the window (new id), back to enforce after finalize',
      data,
    };
  }
  const idNote = st.mtaStsId && st.mtaStsId !== id ? `id changed from "${st.mtaStsId}" to "${id}"` : `id "${id}"`;
  return { status: 'PASS', reason: `policy (mode ${policy.mode}, max_age ${policy.maxAge}) covers the new MX; ${idNote}`, data };
};

// ---- 9: TLS-RPT --------------------------------------------------------------------------------

const tlsRptCheck: Check = async (env) => {
  const s = env.settings;
  const recs = (await txt(env, own(env), `_smtp._tls.${s.domain}`)).filter(isTlsRpt);
  const fix = `publish TXT _smtp._tls.${s.domain} "v=TLSRPTv1; rua=mailto:tlsrpt@${s.domain}"`;
  if (!recs.length) return { status: 'WARN', reason: 'no TLS-RPT record: senders cannot report TLS / MTA-STS failures during the window', fix };
  if (recs.length > 1) return { status: 'FAIL', reason: `${recs.length} TLS-RPT records`, fix: 'keep exactly one' };
  const rua = parseTags(recs[0]!).get('rua');
  if (!rua || !/^(mailto:|https:)/i.test(rua)) return { status: 'FAIL', reason: `TLS-RPT record has no valid rua= (${rua ?? 'missing'})`, fix };
  return { status: 'PASS', reason: `TLS-RPT reports go to ${rua}` };
};

// ---- 16: autodiscover / autoconfig -------------------------------------------------------------

const autodiscoverCheck: Check = async (env) => {
  const s = env.settings;
  const name = `autodiscover.${s.domain}`;
  const cname = await lookup(own(env), name, 'CNAME', dnsOpts(env));
  const target = cname.records.find((r) => r.type === 'CNAME');
  const current = target && target.type === 'CNAME' ? target.value : undefined;
  const a = current ? undefined : await lookup(own(env), name, 'A', dnsOpts(env));
  const auto = await lookup(own(env), `autoconfig.${s.domain}`, 'A', dnsOpts(env)).catch(() => undefined);
  const autoconfig = auto && (auto.records.length || auto.cnames.length) ? ` autoconfig.${s.domain} resolves${auto.cnames.length ? ` (-> ${auto.cnames.at(-1)})` : ''}.` : '';
  const data = { autodiscover: current ?? (a?.records.length ? 'A record' : null), expected: s.autodiscover ?? null };
  if (!s.autodiscover) {
    if (current || a?.records.length) return { status: 'PASS', reason: `${name} is published (${current ?? 'A record'}); no target to compare (set cutover.autodiscover).${autoconfig}`, data };
    return { status: 'WARN', reason: `${name} is not published: Outlook users set up accounts by hand.${autoconfig}`, fix: "publish the autodiscover record the new provider documents (or set cutover.autodiscover)", data };
  }
  const want = s.autodiscover.toLowerCase().replace(/\.$/, '');
  if (current === want) return { status: 'PASS', reason: `${name} -> ${current}.${autoconfig}`, data };
  const now = current ? `points to ${current}` : a?.records.length ? 'is an A record' : 'is not published';
  return {
    status: env.confirmed ? 'FAIL' : 'WARN',
    reason: `${name} ${now}, not ${want}${env.confirmed ? '' : ' (change it at T)'}.${autoconfig}`,
    fix: `set ${name} CNAME ${want}${env.confirmed ? '' : ' when you change MX'}`,
    data,
  };
};

// ---- 16: RFC 6186 SRV --------------------------------------------------------------------------

const srvCheck: Check = async (env) => {
  const s = env.settings;
  const wanted: [string, string | undefined][] = [
    ['_imaps._tcp', s.imapHost],
    ['_submission._tcp', s.submissionHost],
    ['_submissions._tcp', s.submissionHost],
  ];
  const seen: string[] = [];
  const wrong: string[] = [];
  for (const [label, expect] of wanted) {
    const name = `${label}.${s.domain}`;
    const res = await lookup(own(env), name, 'SRV', dnsOpts(env));
    const srv = res.records.flatMap((r) => (r.type === 'SRV' ? [r] : []));
    if (!srv.length) continue;
    const targets = srv.map((r) => (r.target === '' || r.target === '.' ? '.' : r.target));
    seen.push(`${label} -> ${srv.map((r) => `${r.target || '.'}:${r.port}`).join(', ')}`);
    if (expect && !targets.includes(expect.toLowerCase()) && !targets.every((t) => t === '.')) wrong.push(`${label} points to ${targets.join(', ')}, not ${expect}`);
  }
  if (!seen.length) return { status: 'PASS', reason: 'no RFC 6186 SRV records published (optional): nothing to update' };
  if (wrong.length) {
    return {
      status: env.confirmed ? 'FAIL' : 'WARN',
      reason: `${wrong.join('; ')}${env.confirmed ? '' : ' (change them at T)'}`,
      fix: 'point the SRV records to the new provider\'s hosts (or remove them)',
      data: { seen },
    };
  }
  return { status: 'PASS', reason: seen.join('; '), data: { seen } };
};

// ---- 10: SMTP probe ----------------------------------------------------------------------------

const smtpCheck: Check = async (env) => {
  const s = env.settings;
  if (!s.mx.length) return { status: 'FAIL', reason: "the new provider's MX hosts are not known", fix: 'set cutover.mx' };
  const results = [];
  const problems: string[] = [];
  for (const m of s.mx) {
    const mapped = s.smtp.hostMap[m.host];
    const r = await probeSmtp({
      mxHost: m.host,
      connectHost: mapped?.host ?? m.host,
      connectPort: mapped?.port ?? s.smtp.port,
      heloName: s.smtp.heloName,
      mailFrom: s.smtp.mailFrom,
      addresses: env.addresses,
      ca: s.smtp.ca,
      timeoutMs: s.smtp.timeoutMs,
      signal: env.signal,
    });
    results.push(r);
    const where = `${m.host} (${r.connectedTo})`;
    if (!r.reachable) problems.push(`${where}: port not reachable (${r.error})`);
    else if (!r.starttls) problems.push(`${where}: ${r.error ?? 'STARTTLS not offered'}`);
    else {
      if (r.tls?.problem) problems.push(`${where}: ${r.tls.problem}`);
      if (r.error) problems.push(`${where}: ${r.error}`);
      const refused = r.rcpt.filter((x) => !x.accepted);
      if (refused.length) problems.push(`${where}: RCPT TO refused for ${refused.map((x) => `${x.address} (${x.reply})`).join(', ')}`);
    }
  }
  const data = { probes: results };
  if (problems.length) {
    return {
      status: 'FAIL',
      reason: problems.join('; '),
      fix: 'create every mailbox/alias on the new provider, enable inbound mail for the domain, and make sure the MX host offers STARTTLS with a certificate for its name',
      data,
    };
  }
  return {
    status: 'PASS',
    reason: `${s.mx.length} MX host(s): EHLO, STARTTLS with a valid certificate, RCPT TO accepted for ${env.addresses.length} address(es); no message sent`,
    data,
  };
};

// ---- 11: sync parity ---------------------------------------------------------------------------

const syncParityCheck: Check = async (env) => {
  const runs = env.store.phaseRuns().filter((r) => r.phase === 'sync' || r.phase === 'dual-run');
  const last = runs.filter((r) => r.outcome !== 'running').at(-1);
  if (!last) return { status: 'FAIL', reason: 'no sync has run for this job', fix: 'run mailshift sync first' };
  const states = env.cutover.messageStates();
  const accounts = env.store.accounts();
  const notDone = accounts.filter((a) => a.state !== 'complete');
  const data = { lastRun: { phase: last.phase, finishedAt: last.finishedAt, outcome: last.outcome }, messages: states };
  const pending = (states.pending ?? 0) + (states.copying ?? 0) + (states.failed ?? 0);
  if (last.outcome !== 'complete' || notDone.length || pending) {
    const why = [
      last.outcome !== 'complete' ? `the last ${last.phase} run (${last.finishedAt}) ended ${last.outcome}` : '',
      notDone.length ? `accounts not complete: ${notDone.map((a) => `${a.sourceUser} (${a.state})`).join(', ')}` : '',
      pending ? `${pending} message(s) not copied (${states.failed ?? 0} failed)` : '',
    ].filter(Boolean);
    return { status: 'FAIL', reason: why.join('; '), fix: 'run mailshift sync again and look at mailshift status for the failures', data };
  }
  const skipped = states.skipped ?? 0;
  if (skipped) return { status: 'WARN', reason: `last ${last.phase} complete (${last.finishedAt}); ${skipped} message(s) skipped with a recorded reason`, fix: 'see mailshift status / report for why', data };
  return { status: 'PASS', reason: `last ${last.phase} run complete (${last.finishedAt}); ${states.copied ?? 0} message(s) copied, none pending or failed`, data };
};

export const CHECKS: Record<string, Check> = {
  mx: mxCheck,
  spf: spfCheck,
  dkim: dkimCheck,
  dmarc: dmarcCheck,
  'mta-sts': mtaStsCheck,
  'tls-rpt': tlsRptCheck,
  autodiscover: autodiscoverCheck,
  srv: srvCheck,
  smtp: smtpCheck,
  'sync-parity': syncParityCheck,
};

/** Runs the named checks (all by default) one after another; a check that throws is a FAIL. */
export async function runChecks(env: CheckEnv, only?: string[]): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const id of only ?? Object.keys(CHECKS)) {
    if (env.signal?.aborted) break;
    const title = CHECK_TITLES[id]!;
    try {
      out.push({ id, title, ...(await CHECKS[id]!(env)) });
    } catch (err) {
      out.push({ id, title, status: 'FAIL', reason: `could not run: ${(err as Error).message}`, fix: 'check network access to the DNS servers (cutover.dns) and run the check again' });
    }
  }
  return out;
}
