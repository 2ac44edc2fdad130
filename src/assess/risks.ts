// The risks that lose mail or stop the job, derived from what the assessment saw, ranked.
// Pure: no I/O, so every rule has a unit test.
import { findPreset } from '../config/presets.js';
import { CATALOGUES } from '../kit/catalogue/index.js';
import { lines, PLAIN_EN, sayWith, type Line, type Msg } from '../i18n/msg.js';
import { fmtBytes, fmtCount } from './format.js';
import type { AccountReport, CapabilityReport, Risk, ServerProbe, Severity } from './types.js';

type RiskKey = keyof typeof CATALOGUES.en.findings.risk;
/** A catalogue message of findings.risk. */
const m = (key: RiskKey, vars?: Msg['vars']): Msg => ({ key, vars });
/** A risk whose title, detail and fix come from the catalogue; the English is kept as the JSON text. */
function risk(r: Omit<Risk, 'title' | 'detail' | 'fix' | 'msg'> & { t: Msg; d: Line[]; f: Line[] }): Risk {
  const table = CATALOGUES.en.findings.risk;
  const { t, d, f, ...rest } = r;
  return { ...rest, title: sayWith(table, t, PLAIN_EN), detail: lines(table, d, PLAIN_EN), fix: lines(table, f, PLAIN_EN, ''), msg: { title: t, detail: d, fix: f } };
}

export interface RiskInput {
  servers: ServerProbe[];
  capabilities: { source?: CapabilityReport; destination?: CapabilityReport };
  accounts: AccountReport[];
  destinationLimit?: { bytes: number; from: string };
  sourcePreset: string;
  destinationPreset: string;
  /** For the "last 30 days" check. */
  now: Date;
  /** Hosts of the job's servers with tls: none (clear-text passwords). */
  clearText?: { side: string; host: string }[];
}

const DAY = 86_400_000;

/** Source folders (logical paths) the mapping excludes: their mail is not copied. */
function excludedFolders(a: AccountReport): Set<string> {
  return new Set(a.mapping.filter((m) => m.action === 'exclude').map((m) => m.sourceLogicalPath));
}

/** What the copy will move for an account: everything not excluded. */
export function toCopy(a: AccountReport): { messages: number; bytes: number } {
  if (!a.source.folders.length) return { messages: a.source.totals.messages, bytes: a.source.totals.bytes };
  const ex = excludedFolders(a);
  const fs = a.source.folders.filter((f) => !ex.has(f.logicalPath));
  return { messages: fs.reduce((s, f) => s + f.messages, 0), bytes: fs.reduce((s, f) => s + f.bytes, 0) };
}
const RANK: Record<Severity, number> = { blocker: 0, warning: 1, info: 2 };

export function findRisks(input: RiskInput): Risk[] {
  const risks: Risk[] = [];
  const all = input.accounts.map((a) => a.sourceUser);
  const src = findPreset(input.sourcePreset);
  const dst = findPreset(input.destinationPreset);

  // Servers: one entry per server, not per account.
  for (const s of input.servers) {
    if (!s.failure) continue;
    risks.push(risk({
      id: s.failure.kind === 'tls' ? 'tls' : 'unreachable',
      severity: 'blocker',
      t: m(s.failure.kind === 'tls' ? 'tlsTitle' : 'unreachableTitle', { side: s.side }),
      d: [s.failure.reason],
      f: [s.failure.fix],
      accounts: all,
      folders: [],
    }));
  }
  // Certificates that are accepted now but expire before a typical migration is over.
  for (const s of input.servers) {
    const to = s.cert?.validTo ? Date.parse(s.cert.validTo) : NaN;
    if (s.ok && s.cert && Number.isFinite(to) && to - input.now.getTime() < 21 * DAY) {
      risks.push(risk({
        id: 'cert-expiring',
        severity: 'warning',
        t: m('certExpiringTitle', { side: s.side, date: s.cert.validTo! }),
        d: [m('certExpiringDetail', { host: s.host, port: String(s.port), until: s.cert.validTo! })],
        f: [m('certExpiringFix')],
        accounts: [],
        folders: [],
      }));
    }
  }
  const failedServerSides = new Set(input.servers.filter((s) => s.failure).map((s) => s.side));

  // Logins: grouped per side and kind of failure, each account's reason kept.
  const logins = new Map<string, { side: string; kind: string; fix: string; accounts: string[]; reasons: string[] }>();
  for (const a of input.accounts) {
    for (const side of [a.source, a.destination]) {
      const f = side.login.failure;
      if (side.login.ok || !f || failedServerSides.has(side.side)) continue;
      const k = `${side.side}|${f.kind}|${f.fix}`;
      const g = logins.get(k) ?? { side: side.side, kind: f.kind, fix: f.fix, accounts: [], reasons: [] };
      g.accounts.push(a.sourceUser);
      g.reasons.push(f.reason);
      logins.set(k, g);
    }
  }
  for (const g of logins.values()) {
    const n = g.accounts.length;
    risks.push(risk({
      id: 'login',
      severity: 'blocker',
      t: m(g.kind === 'auth' ? 'loginRefusedTitle' : 'loginFailedTitle', { n, side: g.side }),
      d: [...g.reasons.slice(0, 10), ...(n > 10 ? [m('andMore', { n: n - 10 })] : [])],
      f: [g.fix],
      accounts: g.accounts,
      folders: [],
    }));
  }

  // Sessions that broke off after login (or an account whose check failed outright).
  const broken = input.accounts.flatMap((a) => [a.source, a.destination].filter((sd) => sd.error).map((sd) => ({ a, sd })));
  if (broken.length) {
    risks.push(risk({
      id: 'account-error',
      severity: 'blocker',
      t: m('accountErrorTitle', { n: new Set(broken.map((b) => b.a.sourceUser)).size }),
      d: broken.slice(0, 10).map((b) => m('accountErrorLine', { side: b.sd.side, user: b.sd.user, error: b.sd.error ?? '' })),
      f: [m('accountErrorFix')],
      accounts: [...new Set(broken.map((b) => b.a.sourceUser))],
      folders: [],
    }));
  }

  // Folders that could not be read (e.g. NetEase "Unsafe Login" on SELECT).
  const unreadable: string[] = [];
  const unreadableAcc = new Set<string>();
  let unsafeLogin = false;
  for (const a of input.accounts) {
    for (const f of a.source.folders) {
      if (!f.error) continue;
      unreadable.push(`${a.sourceUser}: ${f.logicalPath} (${f.error})`);
      unreadableAcc.add(a.sourceUser);
      if (/unsafe login/i.test(f.error)) unsafeLogin = true;
    }
  }
  if (unreadable.length) {
    risks.push(risk({
      id: 'unreadable-folder',
      severity: 'blocker',
      t: m('unreadableTitle', { n: unreadable.length }),
      d: [m('unreadableDetail')],
      f: [m(unsafeLogin ? 'unreadableFixUnsafe' : 'unreadableFix')],
      accounts: [...unreadableAcc],
      folders: unreadable.map((u) => u.replace(/ \(.*\)$/, '')),
    }));
  }

  // Over-size messages: refused by the destination, so they would be skipped.
  if (input.destinationLimit) {
    const accs: string[] = [];
    const folders = new Map<string, number>();
    let count = 0;
    let bytes = 0;
    let biggest = 0;
    for (const a of input.accounts) {
      const ex = excludedFolders(a);
      const over = (a.source.oversize ?? []).filter((m) => !ex.has(m.folder));
      if (!over.length) continue;
      accs.push(a.sourceUser);
      for (const m of over) {
        const k = `${a.sourceUser}: ${m.folder}`;
        folders.set(k, (folders.get(k) ?? 0) + 1);
        count++;
        bytes += m.size;
        biggest = Math.max(biggest, m.size);
      }
    }
    if (count) {
      const lim = input.destinationLimit;
      risks.push(risk({
        id: 'oversize',
        severity: 'blocker',
        t: m('oversizeTitle', { n: count, limit: fmtBytes(lim.bytes) }),
        d: [/APPENDLIMIT/.test(lim.from) ? m('oversizeDetailServer', { bytes: lim.bytes, biggest: fmtBytes(biggest) }) : m('oversizeDetailConfig', { bytes: lim.bytes, biggest: fmtBytes(biggest), preset: input.destinationPreset })],
        f: [dst?.maxMessageBytes ? m('oversizeFixCapped', { biggest: fmtBytes(biggest), provider: dst.name, max: fmtBytes(dst.maxMessageBytes) }) : m('oversizeFix', { biggest: fmtBytes(biggest) })],
        accounts: accs,
        folders: [...folders].map(([f, n]) => `${f} (${n})`),
        messages: count,
        bytes,
      }));
    }
  }

  // Quota: the destination must hold what it already has plus everything copied.
  const short: { user: string; line: Msg }[] = [];
  const tight: { user: string; line: Msg }[] = [];
  let shortBytes = 0;
  for (const a of input.accounts) {
    const q = a.destination.quota;
    if (!q?.storageLimit || !a.source.login.ok) continue;
    const free = q.storageLimit - (q.storageUsed ?? 0);
    const copy = toCopy(a);
    const need = copy.bytes;
    if (need > free) {
      short.push({ user: a.sourceUser, line: m('quotaLine', { from: a.sourceUser, to: a.destinationUser, need: fmtBytes(need), free: fmtBytes(Math.max(free, 0)), limit: fmtBytes(q.storageLimit) }) });
      shortBytes += need - free;
    } else if (need > 0.9 * free) tight.push({ user: a.sourceUser, line: m('quotaTightLine', { from: a.sourceUser, to: a.destinationUser, need: fmtBytes(need), free: fmtBytes(free) }) });
    if (q.messagesLimit !== undefined && copy.messages > q.messagesLimit - (q.messagesUsed ?? 0)) {
      short.push({ user: a.sourceUser, line: m('quotaMessagesLine', { from: a.sourceUser, to: a.destinationUser, messages: copy.messages, more: q.messagesLimit - (q.messagesUsed ?? 0) }) });
    }
  }
  if (short.length) {
    risks.push(risk({
      id: 'quota',
      severity: 'blocker',
      t: m('quotaTitle', { n: short.length }),
      d: short.map((x) => x.line),
      f: [m('quotaFix')],
      accounts: short.map((x) => x.user),
      folders: [],
      bytes: shortBytes,
    }));
  }
  if (tight.length) {
    risks.push(risk({
      id: 'quota-tight',
      severity: 'warning',
      t: m('quotaTightTitle', { n: tight.length }),
      d: [...tight.map((x) => x.line), m('quotaTightNote')],
      f: [m('quotaTightFix')],
      accounts: tight.map((x) => x.user),
      folders: [],
    }));
  }

  // Tencent / Alibaba: IMAP may show only the last 30 days.
  if (src?.quirks.some((q) => q.id === 'fetch-range-30-days')) {
    const quirk = src.quirks.find((q) => q.id === 'fetch-range-30-days')!;
    const suspects = input.accounts.filter((a) => {
      const o = a.source.totals.oldest;
      return a.source.login.ok && a.source.totals.messages > 0 && o !== undefined && input.now.getTime() - Date.parse(o) <= 32 * DAY;
    });
    if (suspects.length) {
      risks.push(risk({
        id: 'fetch-range-30-days',
        severity: 'blocker',
        t: m('fetchRangeTitle', { n: suspects.length, provider: src.name }),
        d: [m('fetchRangeDetail', { provider: src.name, list: suspects.map((a) => `${a.sourceUser}: ${a.source.totals.oldest!.slice(0, 10)}`).slice(0, 10).join(', ') })],
        f: [m('fetchRangeFix', { quirk: quirk.text + `${src.webmail ? ` (${src.webmail})` : ''}` })],
        accounts: suspects.map((a) => a.sourceUser),
        folders: [],
      }));
    } else if (!input.accounts.some((a) => a.source.login.ok)) {
      // Nothing was read: the check was not made, and the report must not say it passed.
      risks.push(risk({
        id: 'fetch-range-30-days',
        severity: 'warning',
        t: m('fetchRangeUncheckedTitle', { provider: src.name }),
        d: [m('fetchRangeUncheckedDetail')],
        f: [m('fetchRangeUncheckedFix', { quirk: quirk.text })],
        accounts: [],
        folders: [],
      }));
    } else {
      risks.push(risk({
        id: 'fetch-range-30-days',
        severity: 'info',
        t: m('fetchRangeCheckTitle', { provider: src.name }),
        d: [m('fetchRangeCheckDetail')],
        f: [quirk.text],
        accounts: [],
        folders: [],
      }));
    }
  }

  // Gmail: labels are folders, All Mail holds everything again.
  const gmailSource = input.sourcePreset === 'gmail' || input.sourcePreset === 'google-workspace';
  const allMail: string[] = [];
  for (const a of input.accounts) {
    for (const f of a.mapping) {
      if (f.action === 'copy' && (f.specialUse === '\\All' || /^\[(Gmail|Google Mail)\]\/All Mail$/i.test(f.sourceLogicalPath))) allMail.push(`${a.sourceUser}: ${f.sourceLogicalPath}`);
    }
  }
  if (gmailSource || allMail.length) {
    risks.push(risk({
      id: 'gmail-labels',
      severity: 'warning',
      t: m('gmailTitle'),
      d: [...(allMail.length ? [m('gmailAllMail', { list: allMail.slice(0, 5).join(', ') })] : []), m('gmailDetail')],
      f: [m('gmailFix')],
      accounts: allMail.length ? [...new Set(allMail.map((x) => x.split(': ')[0]!))] : all,
      folders: allMail,
    }));
  }

  if (input.sourcePreset === 'zoho') {
    risks.push(risk({ id: 'zoho-hidden-folders', severity: 'warning', t: m('zohoTitle'), d: [m('zohoDetail')], f: [m('zohoFix')], accounts: all, folders: [] }));
  }

  if (dst?.maxItems) {
    const big = input.accounts.filter((a) => toCopy(a).messages > dst.maxItems!);
    if (big.length) {
      risks.push(risk({
        id: 'max-items',
        severity: 'blocker',
        t: m('maxItemsTitle', { n: big.length, max: dst.maxItems, provider: dst.name }),
        d: big.map((a) => m('maxItemsLine', { user: a.sourceUser, messages: toCopy(a).messages })),
        f: [m('maxItemsFix')],
        accounts: big.map((a) => a.sourceUser),
        folders: [],
        messages: big.reduce((s, a) => s + toCopy(a).messages - dst.maxItems!, 0),
      }));
    }
  }

  if (src?.requiresImapId) {
    risks.push(risk({ id: 'imap-id', severity: 'info', t: m('imapIdTitle', { provider: src.name }), d: [m('imapIdDetail')], f: [m('imapIdFix')], accounts: [], folders: [] }));
  }

  // Servers known to change what they store, told by their greeting (read without writing).
  const dstGreeting = input.servers.find((x) => x.side === 'destination')?.greeting ?? '';
  if (/\bCyrus IMAP\b/i.test(dstGreeting)) {
    risks.push(risk({ id: 'server-alters-mail', severity: 'warning', t: m('cyrusTitle'), d: [m('cyrusDetail')], f: [m('cyrusFix')], accounts: all, folders: [] }));
  }

  // Mapping notes: names the destination refuses, separator characters, collisions.
  const mappingRisk = (id: string, severity: Severity, title: RiskKey, fix: Msg, match: RegExp) => {
    const hits: string[] = [];
    const accs = new Set<string>();
    for (const a of input.accounts) {
      for (const mp of a.mapping) {
        const n = mp.notes.find((x) => match.test(x));
        if (!n || mp.action !== 'copy') continue;
        hits.push(`${a.sourceUser}: ${mp.sourceLogicalPath} -> ${mp.destinationLogicalPath} (${n})`);
        accs.add(a.sourceUser);
      }
    }
    if (hits.length) {
      risks.push(risk({ id, severity, t: m(title, { n: hits.length }), d: [...hits.slice(0, 20), ...(hits.length > 20 ? [m('andMore', { n: hits.length - 20 })] : [])], f: [fix], accounts: [...accs], folders: hits.map((h) => h.replace(/ -> .*$/, '')) }));
    }
  };
  {
    // Two source folders on one destination name: never merged, so the later one is not copied
    // until a folders.rename rule gives it a name of its own.
    const hits: { folder: string; line: Msg }[] = [];
    const rules: string[] = [];
    const accs = new Set<string>();
    for (const a of input.accounts) {
      for (const mp of a.mapping) {
        if (mp.action !== 'blocked') continue;
        hits.push({ folder: `${a.sourceUser}: ${mp.sourceLogicalPath}`, line: m('collisionLine', { user: a.sourceUser, folder: mp.sourceLogicalPath, other: mp.collision?.with ?? '?', target: mp.destinationLogicalPath }) });
        if (mp.collision) rules.push(`{ from: "${mp.collision.rule.from}", to: "${mp.collision.rule.to}" }`);
        accs.add(a.sourceUser);
      }
    }
    if (hits.length) {
      risks.push(risk({
        id: 'folder-name-collision',
        severity: 'blocker',
        t: m('collisionTitle', { n: hits.length }),
        d: [...hits.slice(0, 20).map((h) => h.line), ...(hits.length > 20 ? [m('andMore', { n: hits.length - 20 })] : [])],
        f: [m('collisionFix', { rules: [...new Set(rules)].slice(0, 5).join(', ') })],
        accounts: [...accs],
        folders: hits.map((h) => h.folder),
      }));
    }
  }
  mappingRisk(
    'folder-name-separator',
    'warning',
    'separatorTitle',
    m(input.destinationPreset === 'm365' ? 'separatorFixM365' : 'separatorFix'),
    /cannot be used as is/,
  );
  mappingRisk('folder-name-reserved', 'warning', 'reservedTitle', m('reservedFix'), /reserved on the destination/);
  for (const c of input.clearText ?? []) {
    if (/^(127\.|::1$|localhost$)/.test(c.host)) continue;
    risks.push(risk({
      id: 'clear-text',
      severity: 'warning',
      t: m('clearTextTitle', { side: c.side }),
      d: [m('clearTextDetail', { sideKey: c.side, host: c.host })],
      f: [m('clearTextFix', { sideKey: c.side })],
      accounts: all,
      folders: [],
    }));
  }

  const dcaps = input.capabilities.destination;
  if (dcaps && !dcaps.checked.QUOTA) {
    risks.push(risk({ id: 'quota-unknown', severity: 'info', t: m('quotaUnknownTitle'), d: [m('quotaUnknownDetail')], f: [m('quotaUnknownFix')], accounts: [], folders: [] }));
  }

  return rankRisks(risks);
}

/** Blockers first, then warnings, then notes; within a level, the most mail affected first. */
export function rankRisks(risks: Risk[]): Risk[] {
  return [...risks].sort(
    (a, b) => RANK[a.severity] - RANK[b.severity] || (b.messages ?? 0) - (a.messages ?? 0) || b.accounts.length - a.accounts.length || a.id.localeCompare(b.id),
  );
}
