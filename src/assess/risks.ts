// The risks that lose mail or stop the job, derived from what the assessment saw, ranked.
// Pure: no I/O, so every rule has a unit test.
import { findPreset } from '../config/presets.js';
import { fmtBytes, fmtCount, fmtDate } from './format.js';
import type { AccountReport, CapabilityReport, Risk, ServerProbe, Severity } from './types.js';

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
    risks.push({
      id: s.failure.kind === 'tls' ? 'tls' : 'unreachable',
      severity: 'blocker',
      title: s.failure.kind === 'tls' ? `The ${s.side} server's TLS certificate is not accepted` : `The ${s.side} server cannot be reached`,
      detail: s.failure.reason,
      fix: s.failure.fix,
      accounts: all,
      folders: [],
    });
  }
  // Certificates that are accepted now but expire before a typical migration is over.
  for (const s of input.servers) {
    const to = s.cert?.validTo ? Date.parse(s.cert.validTo) : NaN;
    if (s.ok && s.cert && Number.isFinite(to) && to - input.now.getTime() < 21 * DAY) {
      risks.push({
        id: 'cert-expiring',
        severity: 'warning',
        title: `The ${s.side} server's certificate expires on ${fmtDate(s.cert.validTo)}`,
        detail: `${s.host}:${s.port} presents a certificate valid until ${s.cert.validTo}; after that every connection fails until it is renewed.`,
        fix: 'ask the provider / server admin to renew it before the sync and dual-run weeks',
        accounts: [],
        folders: [],
      });
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
    risks.push({
      id: 'login',
      severity: 'blocker',
      title: `${g.kind === 'auth' ? 'Login refused' : 'Could not log in'} for ${n} ${g.side} account${n === 1 ? '' : 's'}`,
      detail: g.reasons.slice(0, 10).join('\n') + (n > 10 ? `\n… and ${n - 10} more` : ''),
      fix: g.fix,
      accounts: g.accounts,
      folders: [],
    });
  }

  // Sessions that broke off after login (or an account whose check failed outright).
  const broken = input.accounts.flatMap((a) => [a.source, a.destination].filter((sd) => sd.error).map((sd) => ({ a, sd })));
  if (broken.length) {
    risks.push({
      id: 'account-error',
      severity: 'blocker',
      title: `The check of ${new Set(broken.map((b) => b.a.sourceUser)).size} account(s) did not finish`,
      detail: broken.slice(0, 10).map((b) => `${b.sd.side} ${b.sd.user}: ${b.sd.error}`).join('\n'),
      fix: 'run assess again; if it keeps failing, check the account in the webmail and the server log, or lower maxConnections',
      accounts: [...new Set(broken.map((b) => b.a.sourceUser))],
      folders: [],
    });
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
    risks.push({
      id: 'unreadable-folder',
      severity: 'blocker',
      title: `${unreadable.length} source folder${unreadable.length === 1 ? '' : 's'} could not be read`,
      detail: 'The folder was listed but opening or reading it failed, so its mail would not be copied.',
      fix: unsafeLogin
        ? 'the server wants IMAP ID before SELECT ("Unsafe Login"): mailshift sends it; if it still fails, sign in to the webmail once and allow the client, or use an authorization code'
        : 'check the folder in the webmail; run assess again (a temporary error); if it persists, exclude it with folders.exclude and export it by other means',
      accounts: [...unreadableAcc],
      folders: unreadable.map((u) => u.replace(/ \(.*\)$/, '')),
    });
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
      risks.push({
        id: 'oversize',
        severity: 'blocker',
        title: `${fmtCount(count)} message${count === 1 ? ' is' : 's are'} larger than the destination accepts (${fmtBytes(lim.bytes)})`,
        detail: `The destination refuses messages over ${fmtCount(lim.bytes)} bytes (${lim.from}); the largest here is ${fmtBytes(biggest)}. They would be skipped and recorded as "too large".`,
        fix: `raise the destination's message size limit above ${fmtBytes(biggest)} if the provider allows it${dst?.maxMessageBytes ? ` (${dst.name} allows at most ${fmtBytes(dst.maxMessageBytes)})` : ''}; otherwise save these messages (or their attachments) to a file share before the switch and tell their owners`,
        accounts: accs,
        folders: [...folders].map(([f, n]) => `${f} (${n})`),
        messages: count,
        bytes,
      });
    }
  }

  // Quota: the destination must hold what it already has plus everything copied.
  const short: string[] = [];
  const tight: string[] = [];
  let shortBytes = 0;
  for (const a of input.accounts) {
    const q = a.destination.quota;
    if (!q?.storageLimit || !a.source.login.ok) continue;
    const free = q.storageLimit - (q.storageUsed ?? 0);
    const copy = toCopy(a);
    const need = copy.bytes;
    if (need > free) {
      short.push(`${a.sourceUser} -> ${a.destinationUser}: needs ${fmtBytes(need)}, free ${fmtBytes(Math.max(free, 0))} of ${fmtBytes(q.storageLimit)}`);
      shortBytes += need - free;
    } else if (need > 0.9 * free) tight.push(`${a.sourceUser} -> ${a.destinationUser}: needs ${fmtBytes(need)}, free ${fmtBytes(free)}`);
    if (q.messagesLimit !== undefined && copy.messages > q.messagesLimit - (q.messagesUsed ?? 0)) {
      short.push(`${a.sourceUser} -> ${a.destinationUser}: ${fmtCount(copy.messages)} messages, the destination allows ${fmtCount(q.messagesLimit - (q.messagesUsed ?? 0))} more`);
    }
  }
  if (short.length) {
    risks.push({
      id: 'quota',
      severity: 'blocker',
      title: `Destination quota too small for ${short.length} account${short.length === 1 ? '' : 's'}`,
      detail: short.join('\n'),
      fix: 'raise the mailbox quota on the destination (or buy a bigger plan) before the sync; otherwise the copy stops when the mailbox is full',
      accounts: short.map((s) => s.split(' -> ')[0]!),
      folders: [],
      bytes: shortBytes,
    });
  }
  if (tight.length) {
    risks.push({
      id: 'quota-tight',
      severity: 'warning',
      title: `Destination quota nearly full after the copy for ${tight.length} account${tight.length === 1 ? '' : 's'}`,
      detail: tight.join('\n') + '\nNew mail during dual-run also needs room.',
      fix: 'raise the quota with at least 10% headroom',
      accounts: tight.map((s) => s.split(' -> ')[0]!),
      folders: [],
    });
  }

  // Tencent / Alibaba: IMAP may show only the last 30 days.
  if (src?.quirks.some((q) => q.id === 'fetch-range-30-days')) {
    const quirk = src.quirks.find((q) => q.id === 'fetch-range-30-days')!;
    const suspects = input.accounts.filter((a) => {
      const o = a.source.totals.oldest;
      return a.source.login.ok && a.source.totals.messages > 0 && o !== undefined && input.now.getTime() - Date.parse(o) <= 32 * DAY;
    });
    if (suspects.length) {
      risks.push({
        id: 'fetch-range-30-days',
        severity: 'blocker',
        title: `${suspects.length} ${src.name} account${suspects.length === 1 ? '' : 's'} show only about 30 days of mail over IMAP`,
        detail: `The oldest message these accounts show over IMAP is at most 32 days old (${suspects.map((a) => `${a.sourceUser}: ${fmtDate(a.source.totals.oldest)}`).slice(0, 10).join(', ')}). ${src.name} limits IMAP to the last 30 days by default, so older mail would silently not be copied.`,
        fix: quirk.text + `${src.webmail ? ` (${src.webmail})` : ''}; then run assess again`,
        accounts: suspects.map((a) => a.sourceUser),
        folders: [],
      });
    } else if (!input.accounts.some((a) => a.source.login.ok)) {
      // Nothing was read: the check was not made, and the report must not say it passed.
      risks.push({
        id: 'fetch-range-30-days',
        severity: 'warning',
        title: `${src.name}: the "last 30 days" limit could not be checked`,
        detail: 'Not measured: no source mailbox could be read, so it is not known whether accounts show only the last 30 days over IMAP.',
        fix: quirk.text + '; then run assess again once the source logins work',
        accounts: [],
        folders: [],
      });
    } else {
      risks.push({
        id: 'fetch-range-30-days',
        severity: 'info',
        title: `${src.name}: check the IMAP fetch range of every user`,
        detail: 'No account looks limited to the last 30 days now, but a user can change the setting.',
        fix: quirk.text,
        accounts: [],
        folders: [],
      });
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
    risks.push({
      id: 'gmail-labels',
      severity: 'warning',
      title: 'Gmail labels appear as folders: messages with several labels are copied several times',
      detail: `${allMail.length ? `"All Mail" is in the copy plan (${allMail.slice(0, 5).join(', ')}), so every message would be copied once more. ` : ''}A message with two labels is listed in two folders.`,
      fix: 'add "[Gmail]/All Mail" (and "[Gmail]/Important" if unused) to folders.exclude; check "Show in IMAP" for every label in Gmail settings and that no per-folder message cap is set',
      accounts: allMail.length ? [...new Set(allMail.map((x) => x.split(': ')[0]!))] : all,
      folders: allMail,
    });
  }

  if (input.sourcePreset === 'zoho') {
    risks.push({
      id: 'zoho-hidden-folders',
      severity: 'warning',
      title: 'Zoho shows only the folders ticked for IMAP',
      detail: 'Folders not ticked in Zoho\'s IMAP "Folder settings" are invisible here and would not be copied.',
      fix: 'in Zoho Mail, Settings > Mail Accounts > IMAP > Folder settings: tick every folder for every user, then run assess again and compare the folder counts with the web interface',
      accounts: all,
      folders: [],
    });
  }

  if (dst?.maxItems) {
    const big = input.accounts.filter((a) => toCopy(a).messages > dst.maxItems!);
    if (big.length) {
      risks.push({
        id: 'max-items',
        severity: 'blocker',
        title: `${big.length} account${big.length === 1 ? ' has' : 's have'} more than ${fmtCount(dst.maxItems)} messages (${dst.name} limit)`,
        detail: big.map((a) => `${a.sourceUser}: ${fmtCount(toCopy(a).messages)} messages to copy`).join('\n'),
        fix: 'archive the oldest mail of these accounts (e.g. to an archive mailbox or a PST/mbox export) before the sync, or split it across an archive mailbox',
        accounts: big.map((a) => a.sourceUser),
        folders: [],
        messages: big.reduce((s, a) => s + toCopy(a).messages - dst.maxItems!, 0),
      });
    }
  }

  if (src?.requiresImapId) {
    risks.push({
      id: 'imap-id',
      severity: 'info',
      title: `${src.name} requires IMAP ID before SELECT`,
      detail: 'Generic IMAP tools fail with "Unsafe Login"; mailshift sends IMAP ID after login.',
      fix: 'nothing to do unless a folder shows as unreadable above',
      accounts: [],
      folders: [],
    });
  }

  // Servers known to change what they store, told by their greeting (read without writing).
  const dstGreeting = input.servers.find((x) => x.side === 'destination')?.greeting ?? '';
  if (/\bCyrus IMAP\b/i.test(dstGreeting)) {
    risks.push({
      id: 'server-alters-mail',
      severity: 'warning',
      title: 'The destination is Cyrus IMAP: it rewrites 8-bit header bytes and limits keywords per folder',
      detail:
        'Cyrus rewrites raw 8-bit bytes in message headers to "X" (its munge8bit setting, on by default), so such messages are stored changed: verify --deep lists them as ALTERED with the changed bytes. It also keeps a limited number of keywords per folder (100 in Cyrus 3.6); messages beyond it are copied with the keywords that fit, and the others are listed as their reason.',
      fix: 'ask the Cyrus administrator to set "munge8bit: no" in imapd.conf before the sync (mail then arrives byte for byte); keywords over the limit cannot be kept in one folder',
      accounts: all,
      folders: [],
    });
  }

  // Mapping notes: names the destination refuses, separator characters, collisions.
  const mappingRisk = (id: string, severity: Severity, title: string, fix: string, match: RegExp) => {
    const hits: string[] = [];
    const accs = new Set<string>();
    for (const a of input.accounts) {
      for (const m of a.mapping) {
        const n = m.notes.find((x) => match.test(x));
        if (!n || m.action !== 'copy') continue;
        hits.push(`${a.sourceUser}: ${m.sourceLogicalPath} -> ${m.destinationLogicalPath} (${n})`);
        accs.add(a.sourceUser);
      }
    }
    if (hits.length) {
      risks.push({ id, severity, title: `${title} (${hits.length} folder${hits.length === 1 ? '' : 's'})`, detail: hits.slice(0, 20).join('\n') + (hits.length > 20 ? `\n… and ${hits.length - 20} more` : ''), fix, accounts: [...accs], folders: hits.map((h) => h.replace(/ -> .*$/, '')) });
    }
  };
  {
    // Two source folders on one destination name: never merged, so the later one is not copied
    // until a folders.rename rule gives it a name of its own.
    const hits: string[] = [];
    const rules: string[] = [];
    const accs = new Set<string>();
    for (const a of input.accounts) {
      for (const m of a.mapping) {
        if (m.action !== 'blocked') continue;
        hits.push(`${a.sourceUser}: ${m.sourceLogicalPath} and ${m.collision?.with ?? '?'} -> ${m.destinationLogicalPath}`);
        if (m.collision) rules.push(`{ from: "${m.collision.rule.from}", to: "${m.collision.rule.to}" }`);
        accs.add(a.sourceUser);
      }
    }
    if (hits.length) {
      risks.push({
        id: 'folder-name-collision',
        severity: 'blocker',
        title: `Two source folders would be merged into one destination folder (${hits.length} folder${hits.length === 1 ? '' : 's'})`,
        detail: hits.slice(0, 20).join('\n') + (hits.length > 20 ? `\n… and ${hits.length - 20} more` : ''),
        fix: `give each its own name with folders.rename rules, e.g. folders: { rename: [${[...new Set(rules)].slice(0, 5).join(', ')}] }, and run assess again; sync does not copy these folders until then`,
        accounts: [...accs],
        folders: hits.map((h) => h.replace(/ and .*$/, '')),
      });
    }
  }
  mappingRisk(
    'folder-name-separator',
    'warning',
    "Folder names contain the destination's folder separator (or '/'): the character is replaced",
    `nothing is lost: the character is replaced as shown${input.destinationPreset === 'm365' ? ' (Microsoft 365 would otherwise skip folders with "/" in the name)' : ''}. Tell the users, or choose other names with folders.rename rules`,
    /cannot be used as is/,
  );
  mappingRisk('folder-name-reserved', 'warning', 'Folder names reserved on the destination: renamed', 'nothing is lost; choose other names with folders.rename rules if you prefer', /reserved on the destination/);
  for (const c of input.clearText ?? []) {
    if (/^(127\.|::1$|localhost$)/.test(c.host)) continue;
    risks.push({
      id: 'clear-text',
      severity: 'warning',
      title: `Passwords to the ${c.side} server travel unencrypted`,
      detail: `${c.side}.tls is "none" with allowInsecure: true for ${c.host}.`,
      fix: `use tls: implicit (port 993) or starttls (port 143) for ${c.side}`,
      accounts: all,
      folders: [],
    });
  }

  const dcaps = input.capabilities.destination;
  if (dcaps && !dcaps.checked.QUOTA) {
    risks.push({
      id: 'quota-unknown',
      severity: 'info',
      title: 'The destination does not report quotas (no QUOTA capability)',
      detail: 'Free space could not be checked against the size to copy.',
      fix: 'check each mailbox\'s quota in the destination\'s admin console against the sizes in this report',
      accounts: [],
      folders: [],
    });
  }

  return rankRisks(risks);
}

/** Blockers first, then warnings, then notes; within a level, the most mail affected first. */
export function rankRisks(risks: Risk[]): Risk[] {
  return [...risks].sort(
    (a, b) => RANK[a.severity] - RANK[b.severity] || (b.messages ?? 0) - (a.messages ?? 0) || b.accounts.length - a.accounts.length || a.id.localeCompare(b.id),
  );
}
