import { i18n, word, type Lang } from '../i18n/index.js';
import type { ReportData } from './model.js';
import { accountStatus, overall, verificationByAccount, type AccountStatus, type Tone } from './status.js';

// The one-page summary for the boss, in plain words, and the per-account status every
// rendering shows. Both come from status.ts, so the banner and the rows cannot disagree.

export type I18n = ReturnType<typeof i18n>;

export interface BossSummary {
  status: string;
  tone: Tone;
  left: string[];
  risks: string[];
  next: string;
}

export function bossSummary(r: ReportData, I: I18n): BossSummary {
  const R = I.cat.report;
  const t = r.totals;
  const v = r.verification;
  const o = overall(r);
  const vt = v?.totals;
  const status = I.t(R.status[o.key], { copied: t.copied, total: t.total, missing: vt?.missing ?? 0, duplicated: vt?.duplicated ?? 0, altered: vt?.altered ?? 0 });
  const left: string[] = [];
  const pendingAccounts = r.accounts.filter((a) => a.totals.pending > 0).length;
  if (t.pending) left.push(I.t(R.left.pending, { pending: t.pending, accounts: pendingAccounts }));
  if (t.failed) left.push(I.t(R.left.failed, { failed: t.failed }));
  if (t.skipped) left.push(I.t(R.left.skipped, { skipped: t.skipped }));
  if (!v && t.total > 0) left.push(R.left.verify);
  const risks: string[] = [];
  const rows = accountRows(r, I);
  const attention = rows.filter((a) => a.status === 'attention').map((a) => a.sourceUser);
  if (attention.length) risks.push(I.t(R.risks.attention, { n: attention.length, list: attention.slice(0, 8).join(', ') + (attention.length > 8 ? ' …' : '') }));
  if (vt?.missing) risks.push(I.t(R.risks.missing, { n: vt.missing }));
  if (vt?.duplicated) risks.push(I.t(R.risks.duplicated, { n: vt.duplicated }));
  if (t.skipped) risks.push(I.t(R.risks.skipped, { n: t.skipped }));
  return { status, tone: o.tone, left, risks, next: R.next[o.next] };
}

export interface AccountRowView {
  sourceUser: string;
  status: AccountStatus;
  tone: Tone;
  label: string;
  check?: { missing: number; duplicated: number; altered: number };
}

export function accountRows(r: ReportData, I: I18n): AccountRowView[] {
  const checks = verificationByAccount(r);
  return r.accounts.map((a) => {
    const check = checks.get(a.sourceUser);
    const s = accountStatus(a, check, !!r.verification && !!check);
    return { sourceUser: a.sourceUser, ...s, label: word(I.cat.words.accountState, s.status), check };
  });
}

export const reportI18n = (lang: Lang, timeZone: string): I18n => i18n(lang, timeZone);
