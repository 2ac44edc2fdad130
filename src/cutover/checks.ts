import type { DnsRecord, DnsServer } from '../dns/client.js';
import { lookup, lookupAt } from '../dns/resolver.js';
import type { CutoverRecords } from '../store/contract/index.js';
import type { AsyncOf, AsyncJobStore } from '../store/contract/async.js';
import type { CheckStatus } from '../store/cutover-store.js';
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
import { CATALOGUES } from '../kit/catalogue/index.js';
import { lines, PLAIN_EN, type Line, type Msg } from '../i18n/msg.js';

type CheckKey = keyof typeof CATALOGUES.en.findings.check;
/** A catalogue message of findings.check. */
const c = (key: CheckKey, vars?: Msg['vars']): Msg => ({ key, vars });
/** A result whose reason and fix come from the catalogue; the English is kept as the stored text. */
function res(status: CheckStatus, reason: Line[], fix?: Line[], data?: unknown): Omit<CheckResult, 'id' | 'title'> {
  const table = CATALOGUES.en.findings.check;
  return {
    status,
    reason: lines(table, reason, PLAIN_EN, '; '),
    ...(fix ? { fix: lines(table, fix, PLAIN_EN, '; ') } : {}),
    msg: { reason, fix: fix ?? [] },
    ...(data !== undefined ? { data } : {}),
  };
}

// Every automatable check of the cutover checklist (../shared/reference/anchors-migration.md
// section (b)). Each returns PASS / WARN / FAIL with the reason and the fix; none writes to DNS.

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  reason: string;
  fix?: string;
  data?: unknown;
  /** The reason and fix as catalogue keys (findings.check) with their values, for pages in other languages. */
  msg?: { reason: Line[]; fix: Line[] };
}

export interface CheckEnv {
  settings: CutoverSettings;
  /** Resolved authoritative servers (config or NS lookup). */
  authoritative: DnsServer[];
  resolvers: DnsServer[];
  store: AsyncJobStore;
  cutover: AsyncOf<CutoverRecords>;
  /** The migrated addresses RCPT TO is probed for. */
  addresses: string[];
  now: Date;
  /** T: confirmed, else planned. */
  at?: Date;
  confirmed: boolean;
  signal?: AbortSignal;
}

export const CHECK_TITLES: Record<string, string> = CATALOGUES.en.findings.checkTitle;

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
    return res('FAIL', [c('noAnswer', { errors: failed.map((a) => a.error).join('; ') })], [c('checkAuthoritative')], data);
  }
  const first = answers[0]!;
  const disagree = answers.filter((a) => !sameMxSet(a.mx, first.mx));
  if (disagree.length) {
    return res('FAIL', [c('disagree'), ...answers.map((a) => c('serverAnswers', { server: a.server, mx: formatMx(a.mx) }))], [c('disagreeFix')], data);
  }
  if (!first.mx.length) return res('FAIL', [c('noMx', { domain: s.domain })], [c('publishMx')], data);
  if (!s.mx.length) {
    return res('FAIL', [c('newUnknown', { mx: formatMx(first.mx) })], [c('setMx')], data);
  }
  const ttl = Math.max(...answers.map((a) => a.ttl));
  const isNew = sameMxSet(first.mx, s.mx);
  // Remember the pre-switch set (for rollback) and the TTL history (for "low early enough").
  const st = await env.cutover.state();
  const nowIso = env.now.toISOString();
  if (!isNew && !st.oldMx && !env.confirmed) await env.cutover.updateState({ oldMx: first.mx });
  const ttlMax = Math.max(st.mxTtlMax ?? 0, ttl);
  await env.cutover.updateState({ mxTtlMax: ttlMax, mxTtlLowSince: ttl <= s.maxTtl ? (st.mxTtlLowSince ?? nowIso) : null });
  const lowSince = ttl <= s.maxTtl ? new Date(st.mxTtlLowSince ?? nowIso) : undefined;

  if (env.confirmed) {
    if (isNew) return res('PASS', [c('confirmedPass', { mx: formatMx(first.mx), ttl: dur(ttl) })], undefined, data);
    return res('FAIL', [c('confirmedFail', { mx: formatMx(first.mx), want: formatMx(s.mx) })], [c('setNewSet')], data);
  }
  if (isNew) return res('PASS', [c('alreadyNew', { mx: formatMx(first.mx), ttl: dur(ttl) })], undefined, data);
  const newHosts = new Set(s.mx.map((m) => m.host));
  const mixed = first.mx.filter((m) => newHosts.has(m.host));
  const setText = c('agree', { n: answers.length, mx: formatMx(first.mx) });
  if (ttl > s.maxTtl) {
    const due = env.at ? new Date(env.at.getTime() - ttl * 1000) : undefined;
    if (env.at && due! <= env.now) {
      return res('FAIL', [setText, c('ttlTooLate', { ttl: dur(ttl), tAt: env.at.toISOString() })], [c('ttlTooLateFix', { max: String(s.maxTtl), laterAt: new Date(env.now.getTime() + ttl * 1000).toISOString() })], data);
    }
    return res('WARN', [setText, c('ttlHigh', { ttl: dur(ttl), max: String(s.maxTtl) })], [due ? c('ttlLowerBefore', { max: String(s.maxTtl), dueAt: due.toISOString() }) : c('ttlLower', { max: String(s.maxTtl) })], data);
  }
  if (env.at && lowSince && ttlMax > s.maxTtl && lowSince.getTime() + ttlMax * 1000 > env.at.getTime()) {
    const later = new Date(lowSince.getTime() + ttlMax * 1000).toISOString();
    return res('FAIL', [setText, c('ttlLoweredLate', { ttl: dur(ttl), lowAt: lowSince.toISOString(), old: dur(ttlMax), untilAt: later })], [c('moveCutover', { laterAt: later })], data);
  }
  if (mixed.length) {
    return res('WARN', [setText, c('mixed', { mx: formatMx(mixed) })], [c('mixedFix')], data);
  }
  return res('PASS', [setText, c('oldSetPass', { ttl: dur(ttl), max: String(s.maxTtl) })], undefined, data);
};

// ---- 5: SPF --------------------------------------------------------------------------------------

const spfCheck: Check = async (env) => {
  const s = env.settings;
  const spf = (await txt(env, own(env), s.domain)).filter(isSpf);
  if (spf.length === 0) {
    return res('FAIL', [c('spfNone', { domain: s.domain })], [c('spfPublish', { record: `v=spf1 ${[s.oldSpfInclude, s.spfInclude].filter(Boolean).map((i) => `include:${i}`).join(' ')} ~all` })]);
  }
  if (spf.length > 1) {
    return res('FAIL', [c('spfMany', { n: spf.length, domain: s.domain })], [c('spfMerge')], { records: spf });
  }
  const record = spf[0]!;
  const count = await countSpfLookups(record, s.domain, (name) => txt(env, anyZone(env), name));
  const data = { record, lookups: count.lookups, terms: count.terms, problems: count.problems };
  const fails: Line[] = [...count.problems];
  const warns: Line[] = [];
  const fixes: Line[] = [];
  if (count.lookups > 10) {
    fails.push(c('spfLookups', { n: count.lookups }));
    fixes.push(c('spfFlatten'));
  }
  if (!s.spfInclude) warns.push(c('spfNewUnknown'));
  else if (!spfIncludes(record, s.spfInclude)) {
    fails.push(c('spfNewMissing', { include: s.spfInclude }));
    fixes.push(c('spfAdd', { include: s.spfInclude }));
  }
  if (s.oldSpfInclude && !spfIncludes(record, s.oldSpfInclude) && !(await env.cutover.state()).finalizedAt) {
    warns.push(c('spfOldMissing', { include: s.oldSpfInclude }));
    fixes.push(c('spfKeepOld', { include: s.oldSpfInclude }));
  }
  if (fails.length) return res('FAIL', fails.concat(warns), fixes.length ? fixes : [c('spfFix')], data);
  if (warns.length) return res('WARN', warns, fixes.length ? fixes : [c('spfSetInclude')], data);
  return res('PASS', [c('spfPass', { n: count.lookups })], undefined, data);
};

// ---- 6: DKIM -----------------------------------------------------------------------------------

const dkimCheck: Check = async (env) => {
  const s = env.settings;
  if (!s.dkimSelectors.length) {
    return res('WARN', [c('dkimUnknown')], [c('dkimSet')]);
  }
  const problems: Line[] = [];
  const found: string[] = [];
  for (const sel of s.dkimSelectors) {
    const name = `${sel}._domainkey.${s.domain}`;
    const lookupRes = await lookup(anyZone(env), name, 'TXT', dnsOpts(env));
    const texts = lookupRes.records.flatMap((r) => (r.type === 'TXT' ? [r.text] : []));
    const via = lookupRes.cnames.length ? ` (via ${lookupRes.cnames.join(' -> ')})` : '';
    if (!texts.length) {
      problems.push(c('dkimNone', { name: `${name}${via}` }));
      continue;
    }
    const key = parseDkimKey(texts.join(''));
    if (!key.ok) problems.push(c('dkimProblem', { name: `${name}${via}`, problem: key.problem ?? '' }));
    else found.push(`${sel} (${key.keyType}${key.bits ? ` ${key.bits} bit` : ''})${via}`);
  }
  if (problems.length) {
    return res('FAIL', problems, [c('dkimFix')]);
  }
  return res('PASS', [c('dkimPass', { list: found.join(', ') })]);
};

// ---- 7: DMARC ----------------------------------------------------------------------------------

const dmarcCheck: Check = async (env) => {
  const s = env.settings;
  const recs = (await txt(env, own(env), `_dmarc.${s.domain}`)).filter(isDmarc);
  const suggest = `v=DMARC1; p=none; rua=mailto:dmarc-reports@${s.domain}`;
  if (!recs.length) return res('FAIL', [c('dmarcNone', { domain: s.domain })], [c('dmarcPublish', { record: suggest })]);
  if (recs.length > 1) return res('FAIL', [c('dmarcMany', { n: recs.length })], [c('keepOne')]);
  const tags = parseTags(recs[0]!);
  const p = tags.get('p')?.toLowerCase();
  const data = { record: recs[0] };
  if (!p || !['none', 'quarantine', 'reject'].includes(p)) return res('FAIL', [c('dmarcInvalid', { p: p ?? '' })], [suggest], data);
  if (!tags.get('rua')) {
    return res('WARN', [c('dmarcNoRua', { p })], [c('dmarcAddRua', { domain: s.domain })], data);
  }
  if (p !== 'none' && !(await env.cutover.state()).finalizedAt) {
    return res('WARN', [c(p === 'reject' ? 'dmarcStrictReject' : 'dmarcStrictSpam', { p })], [c('dmarcStrictFix')], data);
  }
  return res('PASS', [c('dmarcPass', { p, rua: tags.get('rua') ?? '' })], undefined, data);
};

// ---- 8: MTA-STS --------------------------------------------------------------------------------

const mtaStsCheck: Check = async (env) => {
  const s = env.settings;
  const recs = (await txt(env, own(env), `_mta-sts.${s.domain}`)).filter(isMtaStsTxt);
  if (!recs.length) return res('PASS', [c('stsNone', { domain: s.domain })]);
  if (recs.length > 1) return res('FAIL', [c('stsMany', { n: recs.length })], [c('keepOne')]);
  const id = parseTags(recs[0]!).get('id') ?? '';
  const fetched = await fetchMtaStsPolicy(s.domain, { ...s.mtaSts, signal: env.signal });
  if (!fetched.ok) {
    return res('FAIL', [c('stsFetch', { id, url: fetched.url, error: String(fetched.error ?? '') })], [c('stsFetchFix')]);
  }
  const text = fetched.text!;
  const policy = parseMtaStsPolicy(text);
  const data = { id, policy, url: fetched.url };
  // Snapshot at the first look: later checks compare the id against it.
  const st = await env.cutover.state();
  if (!st.snapshotAt) await env.cutover.updateState({ mtaStsId: id, mtaStsPolicy: text, snapshotAt: env.now.toISOString() });
  if (policy.problems.length) return res('FAIL', [c('stsPolicy', { url: fetched.url, problems: policy.problems.join('; ') })], [c('stsPolicyFix')], data);
  const missing = s.mx.filter((m) => !policyCovers(policy, m.host));
  if (!s.mx.length) return res('FAIL', [c('mxUnknown')], [c('setMxShort')], data);
  if (missing.length && policy.mode !== 'none') {
    return res('FAIL', [c('stsNotCover', { mode: String(policy.mode), hosts: missing.map((m) => m.host).join(', ') })], [c('stsAddMx', { host: missing[0]!.host, domain: s.domain })], data);
  }
  const norm = (t: string | null) => (t ?? '').replace(/\r/g, '').trim();
  if (st.snapshotAt && st.mtaStsPolicy !== null && norm(st.mtaStsPolicy) !== norm(text) && st.mtaStsId === id) {
    return res('FAIL', [c('stsIdSame', { snapshotAt: st.snapshotAt, id })], [c('stsNewId', { domain: s.domain, newId: env.now.toISOString().replace(/\D/g, '').slice(0, 14) })], data);
  }
  const oldMx = s.oldMx ?? st.oldMx ?? [];
  const oldMissing = oldMx.filter((m) => !policyCovers(policy, m.host));
  if (!(await env.cutover.state()).finalizedAt && oldMissing.length && policy.mode === 'enforce') {
    return res('WARN', [c('stsOldGone', { hosts: oldMissing.map((m) => m.host).join(', '), maxAge: String(policy.maxAge) })], [c('stsKeepOld')], data);
  }
  if (policy.mode === 'enforce' && (policy.maxAge ?? 0) > 86400 && !(await env.cutover.state()).finalizedAt) {
    return res('WARN', [c('stsLongAge', { age: dur(policy.maxAge!) })], [c('stsTesting')], data);
  }
  const changed = st.mtaStsId && st.mtaStsId !== id;
  return res('PASS', [changed ? c('stsPassChanged', { mode: String(policy.mode), maxAge: String(policy.maxAge), old: st.mtaStsId!, id }) : c('stsPass', { mode: String(policy.mode), maxAge: String(policy.maxAge), id })], undefined, data);
};

// ---- 9: TLS-RPT --------------------------------------------------------------------------------

const tlsRptCheck: Check = async (env) => {
  const s = env.settings;
  const recs = (await txt(env, own(env), `_smtp._tls.${s.domain}`)).filter(isTlsRpt);
  const fix = [c('rptPublish', { domain: s.domain })];
  if (!recs.length) return res('WARN', [c('rptNone')], fix);
  if (recs.length > 1) return res('FAIL', [c('rptMany', { n: recs.length })], [c('keepOne')]);
  const rua = parseTags(recs[0]!).get('rua');
  if (!rua || !/^(mailto:|https:)/i.test(rua)) return res('FAIL', [rua ? c('rptBadRua', { rua }) : c('rptNoRua')], fix);
  return res('PASS', [c('rptPass', { rua })]);
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
  const autoconfig: Line[] = auto && (auto.records.length || auto.cnames.length) ? [auto.cnames.length ? c('autoconfigResolvesTo', { domain: s.domain, target: auto.cnames.at(-1)! }) : c('autoconfigResolves', { domain: s.domain })] : [];
  const data = { autodiscover: current ?? (a?.records.length ? 'A record' : null), expected: s.autodiscover ?? null };
  if (!s.autodiscover) {
    if (current || a?.records.length) return res('PASS', [current ? c('adPublished', { name, target: current }) : c('adPublishedA', { name }), ...autoconfig], undefined, data);
    return res('WARN', [c('adMissing', { name }), ...autoconfig], [c('adPublish')], data);
  }
  const want = s.autodiscover.toLowerCase().replace(/\.$/, '');
  if (current === want) return res('PASS', [c('adPass', { name, target: current }), ...autoconfig], undefined, data);
  const now = current ? c('adWrongCname', { name, target: current, want }) : a?.records.length ? c('adWrongA', { name, want }) : c('adWrongNone', { name, want });
  return res(env.confirmed ? 'FAIL' : 'WARN', [now, ...(env.confirmed ? [] : [c('changeAtT')]), ...autoconfig], [c(env.confirmed ? 'adSet' : 'adSetWhenMx', { name, want })], data);
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
  const wrong: Line[] = [];
  for (const [label, expect] of wanted) {
    const name = `${label}.${s.domain}`;
    const lookupRes = await lookup(own(env), name, 'SRV', dnsOpts(env));
    const srv = lookupRes.records.flatMap((r) => (r.type === 'SRV' ? [r] : []));
    if (!srv.length) continue;
    const targets = srv.map((r) => (r.target === '' || r.target === '.' ? '.' : r.target));
    seen.push(`${label} -> ${srv.map((r) => `${r.target || '.'}:${r.port}`).join(', ')}`);
    if (expect && !targets.includes(expect.toLowerCase()) && !targets.every((t) => t === '.')) wrong.push(c('srvWrong', { label, targets: targets.join(', '), want: expect }));
  }
  if (!seen.length) return res('PASS', [c('srvNone')]);
  if (wrong.length) return res(env.confirmed ? 'FAIL' : 'WARN', [...wrong, ...(env.confirmed ? [] : [c('changeAtT')])], [c('srvFix')], { seen });
  return res('PASS', seen, undefined, { seen });
};

// ---- 10: SMTP probe ----------------------------------------------------------------------------

const smtpCheck: Check = async (env) => {
  const s = env.settings;
  if (!s.mx.length) return res('FAIL', [c('mxUnknown')], [c('setMxShort')]);
  const results = [];
  const problems: Line[] = [];
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
    if (!r.reachable) problems.push(c('smtpUnreachable', { where, error: String(r.error ?? '') }));
    else if (!r.starttls) problems.push(r.error ? c('smtpError', { where, error: r.error }) : c('smtpNoStarttls', { where }));
    else {
      if (r.tls?.problem) problems.push(c('smtpError', { where, error: r.tls.problem }));
      if (r.error) problems.push(c('smtpError', { where, error: r.error }));
      const refused = r.rcpt.filter((x) => !x.accepted);
      if (refused.length) problems.push(c('smtpRefused', { where, list: refused.map((x) => `${x.address} (${x.reply})`).join(', ') }));
    }
  }
  const data = { probes: results };
  if (problems.length) {
    return res('FAIL', problems, [c('smtpFix')], data);
  }
  return res('PASS', [c('smtpPass', { n: s.mx.length, addresses: env.addresses.length })], undefined, data);
};

// ---- 11: sync parity ---------------------------------------------------------------------------

const syncParityCheck: Check = async (env) => {
  const runs = (await env.store.phaseRuns()).filter((r) => r.phase === 'sync' || r.phase === 'dual-run');
  const last = runs.filter((r) => r.outcome !== 'running').at(-1);
  if (!last) return res('FAIL', [c('parityNoSync')], [c('paritySyncFirst')]);
  const states = await env.cutover.messageStates();
  const accounts = await env.store.accounts();
  const notDone = accounts.filter((a) => a.state !== 'complete');
  const data = { lastRun: { phase: last.phase, finishedAt: last.finishedAt, outcome: last.outcome }, messages: states };
  const pending = (states.pending ?? 0) + (states.copying ?? 0) + (states.failed ?? 0);
  if (last.outcome !== 'complete' || notDone.length || pending) {
    const why: Line[] = [
      ...(last.outcome !== 'complete' ? [c('parityLastRun', { phase: last.phase, finishedAt: last.finishedAt ?? '', outcome: last.outcome })] : []),
      ...(notDone.length ? [c('parityNotComplete', { list: notDone.map((a) => `${a.sourceUser} (${a.state})`).join(', ') })] : []),
      ...(pending ? [c('parityPending', { n: pending, failed: states.failed ?? 0 })] : []),
    ];
    return res('FAIL', why, [c('paritySyncAgain')], data);
  }
  const skipped = states.skipped ?? 0;
  if (skipped) return res('WARN', [c('paritySkipped', { phase: last.phase, finishedAt: last.finishedAt ?? '', n: skipped })], [c('paritySee')], data);
  return res('PASS', [c('parityPass', { phase: last.phase, finishedAt: last.finishedAt ?? '', n: states.copied ?? 0 })], undefined, data);
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
      out.push({ id, title, ...res('FAIL', [c('couldNotRun', { error: (err as Error).message })], [c('couldNotRunFix')]) });
    }
  }
  return out;
}
