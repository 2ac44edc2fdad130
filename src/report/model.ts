import type { GroupwareReportRow } from '../groupware/report.js';
import type { VerifyResult } from '../verify/result.js';

/** Everything the migration report shows; the JSON report is exactly this object. */
export interface ReportData {
  schema: 'mailshift.report/1';
  generatedAt: string;
  tool: { name: 'mailshift'; version: string };
  job: {
    name: string;
    domain: string;
    company: string;
    createdAt: string | null;
    source: ServerSummary;
    destination: ServerSummary;
  };
  phases: { phase: string; startedAt: string; finishedAt: string | null; outcome: string; seconds: number | null }[];
  totals: MessageTotals & { accounts: number; folders: number };
  accounts: {
    sourceUser: string;
    destinationUser: string;
    state: string;
    lastError: string | null;
    totals: MessageTotals;
    folders: (MessageTotals & { sourcePath: string; destinationPath: string; specialUse: string | null; state: string })[];
  }[];
  /** Copied messages per minute. */
  throughput: { minute: string; messages: number; bytes: number }[];
  /** Dual-run canary rounds, oldest first (absent in reports written before canaries existed). */
  canaries?: { sentAt: string; recipient: string; state: string; deliverySeconds: number | null; lagSeconds: number | null }[];
  /** Every skipped or failed message with its reason. */
  problems: {
    account: string;
    sourcePath: string;
    destinationPath: string;
    srcUid: number;
    messageId: string | null;
    internalDate: string | null;
    size: number;
    state: 'skipped' | 'failed';
    reason: string;
  }[];
  /** Contacts and calendars per collection (absent when the job has none). */
  groupware?: GroupwareReportRow[];
  droppedFlags: { account: string; folder: string; flag: string; messages: number; source: 'verify' | 'sync' }[];
  verification: VerifyResult | null;
  audit: {
    copiedMessages: number;
    copiedBytes: number;
    firstCopyAt: string | null;
    lastCopyAt: string | null;
    fingerprintMethod: string;
    /** sha256 over every copied message's fingerprint, sorted. */
    fingerprintTotal: string;
    perAccount: { account: string; destination: string; copied: number; fingerprint: string }[];
  };
}

export interface MessageTotals {
  total: number;
  copied: number;
  /** Of copied: found already in the destination and adopted, not copied again. */
  adopted?: number;
  skipped: number;
  failed: number;
  pending: number;
  bytesCopied: number;
}

export interface ServerSummary {
  preset: string;
  host: string;
  port: number;
  tls: string;
}

export const zeroTotals = (): MessageTotals => ({ total: 0, copied: 0, adopted: 0, skipped: 0, failed: 0, pending: 0, bytesCopied: 0 });

export function addTotals(into: MessageTotals, t: MessageTotals): void {
  into.total += t.total;
  into.copied += t.copied;
  into.adopted = (into.adopted ?? 0) + (t.adopted ?? 0);
  into.skipped += t.skipped;
  into.failed += t.failed;
  into.pending += t.pending;
  into.bytesCopied += t.bytesCopied;
}
