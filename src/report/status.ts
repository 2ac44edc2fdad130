import type { ReportData } from './model.js';

// What the report says about where the job stands, derived once so the banner, the boss summary
// and every account row agree: a mailbox with failed, skipped, missing or duplicated mail is
// never shown as done.

export type AccountStatus = 'done' | 'attention' | 'working' | 'waiting' | 'unverified';
export type Tone = 'good' | 'warn' | 'bad';

export interface AccountCheck {
  missing: number;
  duplicated: number;
  altered: number;
}

/** Per-account differences of the latest verification, keyed by source user. */
export function verificationByAccount(r: ReportData): Map<string, AccountCheck> {
  const m = new Map<string, AccountCheck>();
  for (const f of r.verification?.folders ?? []) {
    const a = m.get(f.account) ?? { missing: 0, duplicated: 0, altered: 0 };
    a.missing += f.missing;
    a.duplicated += f.duplicated;
    a.altered += f.altered;
    m.set(f.account, a);
  }
  return m;
}

export function accountStatus(a: ReportData['accounts'][number], check: AccountCheck | undefined, verified: boolean): { status: AccountStatus; tone: Tone } {
  const t = a.totals;
  if (t.failed > 0 || a.state === 'failed' || (check && (check.missing > 0 || check.duplicated > 0 || check.altered > 0))) return { status: 'attention', tone: 'bad' };
  if (t.skipped > 0) return { status: 'attention', tone: 'warn' };
  if (t.pending > 0 || a.state === 'syncing' || a.state === 'running') return { status: t.copied > 0 ? 'working' : 'waiting', tone: 'warn' };
  if (t.total === 0 && a.state === 'pending') return { status: 'waiting', tone: 'warn' };
  if (!verified) return { status: 'unverified', tone: 'warn' };
  return { status: 'done', tone: 'good' };
}

export interface Overall {
  key: 'nothing' | 'incomplete' | 'unverified' | 'differences' | 'complete';
  tone: Tone;
  next: 'start' | 'sync' | 'verify' | 'fix' | 'cutover';
}

export function overall(r: ReportData): Overall {
  const v = r.verification;
  const t = r.totals;
  if (t.total === 0 && !v) return { key: 'nothing', tone: 'warn', next: r.accounts.length ? 'sync' : 'start' };
  if (v && !v.clean && (v.totals.missing || v.totals.duplicated || v.totals.altered)) return { key: 'differences', tone: 'bad', next: t.pending || t.failed ? 'sync' : 'fix' };
  if (t.failed || t.pending) return { key: 'incomplete', tone: t.failed ? 'bad' : 'warn', next: 'sync' };
  if (!v) return { key: 'unverified', tone: 'warn', next: 'verify' };
  if (!v.clean) return { key: 'differences', tone: 'bad', next: 'fix' };
  if (t.skipped) return { key: 'incomplete', tone: 'warn', next: 'cutover' };
  return { key: 'complete', tone: 'good', next: 'cutover' };
}
