import { sqliteOf } from './sqlite-handle.js';
import type { DualRunHealth } from './contract/dualrun.js';
import type Database from 'better-sqlite3';
import type { Store } from './store.js';

// The dual-run's heartbeat, canary rounds and alerts (0009). Read by status and health without
// the job lock, written by the running dual-run.

const now = () => new Date().toISOString();

export interface Heartbeat {
  pid: number;
  host: string;
  runId: number;
  intervalS: number;
  startedAt: string;
  beatAt: string;
  state: 'running' | 'stopped';
  nextPassAt: string | null;
  lastPassAt: string | null;
  lastPassOk: boolean | null;
  lastError: string | null;
  lagSeconds: number | null;
}

export interface CanaryRow {
  id: number;
  token: string;
  recipient: string;
  mxHost: string;
  side: 'source' | 'destination';
  sentAt: string;
  deliveredAt: string | null;
  copiedAt: string | null;
  deliveryS: number | null;
  lagS: number | null;
  state: 'sent' | 'delivered' | 'copied' | 'lost' | 'failed';
  cleaned: boolean;
  error: string | null;
}

export interface AlertRow {
  id: number;
  key: string;
  at: string;
  level: string;
  message: string;
  results: Record<string, string>;
}

export class DualRunHealthStore implements DualRunHealth {
  private readonly db: Database.Database;
  constructor(store: Store) {
    this.db = sqliteOf(store);
  }

  heartbeat(): Heartbeat | undefined {
    const r = this.db
      .prepare(
        `SELECT pid, host, run_id AS runId, interval_s AS intervalS, started_at AS startedAt, beat_at AS beatAt, state, next_pass_at AS nextPassAt,
           last_pass_at AS lastPassAt, last_pass_ok AS lastPassOk, last_error AS lastError, lag_seconds AS lagSeconds FROM dualrun_heartbeat WHERE id = 1`,
      )
      .get() as (Omit<Heartbeat, 'lastPassOk'> & { lastPassOk: number | null }) | undefined;
    return r ? { ...r, lastPassOk: r.lastPassOk === null ? null : r.lastPassOk === 1 } : undefined;
  }

  /** A new dual-run invocation takes the heartbeat over. */
  start(h: { pid: number; host: string; runId: number; intervalS: number }): void {
    const t = now();
    this.db
      .prepare(
        `INSERT OR REPLACE INTO dualrun_heartbeat (id, pid, host, run_id, interval_s, started_at, beat_at, state, next_pass_at, last_pass_at, last_pass_ok, last_error, lag_seconds)
         VALUES (1, ?, ?, ?, ?, ?, ?, 'running', ?, NULL, NULL, NULL, (SELECT lag_seconds FROM dualrun_heartbeat WHERE id = 1))`,
      )
      .run(h.pid, h.host, h.runId, h.intervalS, t, t, t);
  }

  beat(runId: number, fields: { nextPassAt?: string; lastPassAt?: string; lastPassOk?: boolean; lastError?: string | null; lagSeconds?: number; state?: 'running' | 'stopped' } = {}): void {
    const sets = ['beat_at = ?'];
    const args: unknown[] = [now()];
    const add = (col: string, v: unknown) => (sets.push(`${col} = ?`), args.push(v));
    if (fields.nextPassAt !== undefined) add('next_pass_at', fields.nextPassAt);
    if (fields.lastPassAt !== undefined) add('last_pass_at', fields.lastPassAt);
    if (fields.lastPassOk !== undefined) add('last_pass_ok', fields.lastPassOk ? 1 : 0);
    if (fields.lastError !== undefined) add('last_error', fields.lastError);
    if (fields.lagSeconds !== undefined) add('lag_seconds', fields.lagSeconds);
    if (fields.state !== undefined) add('state', fields.state);
    this.db.prepare(`UPDATE dualrun_heartbeat SET ${sets.join(', ')} WHERE id = 1 AND run_id = ?`).run(...args, runId);
  }

  // ---- canaries -----------------------------------------------------------------------------

  addCanary(c: { token: string; recipient: string; mxHost: string; side: 'source' | 'destination' }): number {
    return Number(
      this.db
        .prepare(`INSERT INTO dualrun_canaries (token, recipient, mx_host, side, sent_at, state) VALUES (?, ?, ?, ?, ?, 'sent')`)
        .run(c.token, c.recipient, c.mxHost, c.side, now()).lastInsertRowid,
    );
  }

  updateCanary(id: number, f: Partial<Pick<CanaryRow, 'deliveredAt' | 'copiedAt' | 'deliveryS' | 'lagS' | 'state' | 'cleaned' | 'error'>>): void {
    const map: Record<string, string> = { deliveredAt: 'delivered_at', copiedAt: 'copied_at', deliveryS: 'delivery_s', lagS: 'lag_s', state: 'state', cleaned: 'cleaned', error: 'error' };
    const keys = Object.keys(f) as (keyof typeof f)[];
    if (!keys.length) return;
    this.db
      .prepare(`UPDATE dualrun_canaries SET ${keys.map((k) => `${map[k]} = ?`).join(', ')} WHERE id = ?`)
      .run(...keys.map((k) => (k === 'cleaned' ? (f[k] ? 1 : 0) : (f[k] ?? null))), id);
  }

  canaries(limit = 50): CanaryRow[] {
    return (
      this.db
        .prepare(
          `SELECT id, token, recipient, mx_host AS mxHost, side, sent_at AS sentAt, delivered_at AS deliveredAt, copied_at AS copiedAt, delivery_s AS deliveryS,
             lag_s AS lagS, state, cleaned, error FROM dualrun_canaries ORDER BY id DESC LIMIT ?`,
        )
        .all(limit) as (Omit<CanaryRow, 'cleaned'> & { cleaned: number })[]
    )
      .map((r) => ({ ...r, cleaned: r.cleaned === 1 }))
      .reverse();
  }

  /**
   * Forgets the store rows of a canary (by its Message-ID), so that its removal from the source
   * is not seen as an expunge; returns where its destination copies were.
   */
  forgetCanaryRows(messageId: string): { destinationPath: string; dstUidvalidity: string | null; dstUid: number | null; copiedAt: string }[] {
    const rows = this.db
      .prepare(
        `SELECT m.id, f.destination_path AS destinationPath, m.dst_uidvalidity AS dstUidvalidity, m.dst_uid AS dstUid, m.updated_at AS copiedAt, m.state
         FROM messages m JOIN folder_pairs f ON f.id = m.folder_pair_id WHERE m.message_id = ? AND f.direction = 'forward'`,
      )
      .all(messageId) as { id: number; destinationPath: string; dstUidvalidity: string | null; dstUid: number | null; copiedAt: string; state: string }[];
    this.db.transaction(() => {
      for (const r of rows) {
        this.db.prepare('DELETE FROM dualrun_source_deleted WHERE message_row_id = ?').run(r.id);
        this.db.prepare('DELETE FROM dualrun_kept WHERE message_row_id = ?').run(r.id);
        this.db.prepare('DELETE FROM messages WHERE id = ?').run(r.id);
      }
    })();
    return rows.filter((r) => r.state === 'copied');
  }

  /** When the copier copied a message with this Message-ID (undefined: not yet). */
  copiedAt(messageId: string): string | undefined {
    return (
      this.db
        .prepare(`SELECT m.updated_at AS at FROM messages m JOIN folder_pairs f ON f.id = m.folder_pair_id WHERE m.message_id = ? AND m.state = 'copied' AND f.direction = 'forward'`)
        .get(messageId) as { at: string } | undefined
    )?.at;
  }

  // ---- alerts -------------------------------------------------------------------------------

  lastAlert(key: string): AlertRow | undefined {
    const r = this.db.prepare(`SELECT id, key, at, level, message, results FROM dualrun_alerts WHERE key = ? ORDER BY id DESC LIMIT 1`).get(key) as
      | (Omit<AlertRow, 'results'> & { results: string })
      | undefined;
    return r ? { ...r, results: JSON.parse(r.results) as Record<string, string> } : undefined;
  }

  addAlert(a: { key: string; level: string; message: string; results: Record<string, string> }): void {
    this.db.prepare(`INSERT INTO dualrun_alerts (key, at, level, message, results) VALUES (?, ?, ?, ?, ?)`).run(a.key, now(), a.level, a.message, JSON.stringify(a.results));
  }

  alerts(limit = 20): AlertRow[] {
    return (this.db.prepare(`SELECT id, key, at, level, message, results FROM dualrun_alerts ORDER BY id DESC LIMIT ?`).all(limit) as (Omit<AlertRow, 'results'> & { results: string })[])
      .map((r) => ({ ...r, results: JSON.parse(r.results) as Record<string, string> }))
      .reverse();
  }
}
