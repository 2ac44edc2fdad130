import type { AsyncOf } from '../contract/async.js';
import type { AlertRow, CanaryRow, DualRunHealth, Heartbeat } from '../contract/dualrun.js';
import type { PgDb } from './db.js';

// dualrun_heartbeat, dualrun_canaries and dualrun_alerts (0009) on PostgreSQL: the SQLite
// store's queries (src/store/dualrun-health-store.ts).

const now = () => new Date().toISOString();

export class PgDualRunHealth implements AsyncOf<DualRunHealth> {
  constructor(private readonly db: PgDb) {}

  async heartbeat(): Promise<Heartbeat | undefined> {
    const r = (await this.db.get(
        `SELECT pid, host, run_id AS runId, interval_s AS intervalS, started_at AS startedAt, beat_at AS beatAt, state, next_pass_at AS nextPassAt,
           last_pass_at AS lastPassAt, last_pass_ok AS lastPassOk, last_error AS lastError, lag_seconds AS lagSeconds FROM dualrun_heartbeat WHERE id = 1`,
      )) as (Omit<Heartbeat, 'lastPassOk'> & { lastPassOk: number | null }) | undefined;
    return r ? { ...r, lastPassOk: r.lastPassOk === null ? null : r.lastPassOk === 1 } : undefined;
  }

  /** A new dual-run invocation takes the heartbeat over. */
  async start(h: { pid: number; host: string; runId: number; intervalS: number }): Promise<void> {
    const t = now();
    (await this.db.run(
        `INSERT INTO dualrun_heartbeat (id, pid, host, run_id, interval_s, started_at, beat_at, state, next_pass_at, last_pass_at, last_pass_ok, last_error, lag_seconds)
         VALUES (1, ?, ?, ?, ?, ?, ?, 'running', ?, NULL, NULL, NULL, NULL)
         ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, run_id = excluded.run_id, interval_s = excluded.interval_s,
           started_at = excluded.started_at, beat_at = excluded.beat_at, state = excluded.state, next_pass_at = excluded.next_pass_at,
           last_pass_at = NULL, last_pass_ok = NULL, last_error = NULL`,
      h.pid, h.host, h.runId, h.intervalS, t, t, t));
  }

  async beat(runId: number, fields: { nextPassAt?: string; lastPassAt?: string; lastPassOk?: boolean; lastError?: string | null; lagSeconds?: number; state?: 'running' | 'stopped' } = {}): Promise<void> {
    const sets = ['beat_at = ?'];
    const args: unknown[] = [now()];
    const add = (col: string, v: unknown) => (sets.push(`${col} = ?`), args.push(v));
    if (fields.nextPassAt !== undefined) add('next_pass_at', fields.nextPassAt);
    if (fields.lastPassAt !== undefined) add('last_pass_at', fields.lastPassAt);
    if (fields.lastPassOk !== undefined) add('last_pass_ok', fields.lastPassOk ? 1 : 0);
    if (fields.lastError !== undefined) add('last_error', fields.lastError);
    if (fields.lagSeconds !== undefined) add('lag_seconds', fields.lagSeconds);
    if (fields.state !== undefined) add('state', fields.state);
    (await this.db.run(`UPDATE dualrun_heartbeat SET ${sets.join(', ')} WHERE id = 1 AND run_id = ?`, ...args, runId));
  }

  // ---- canaries -----------------------------------------------------------------------------

  async addCanary(c: { token: string; recipient: string; mxHost: string; side: 'source' | 'destination' }): Promise<number> {
    return this.db.insertId(`INSERT INTO dualrun_canaries (token, recipient, mx_host, side, sent_at, state) VALUES (?, ?, ?, ?, ?, 'sent') RETURNING id`, c.token, c.recipient, c.mxHost, c.side, now());
  }

  async updateCanary(id: number, f: Partial<Pick<CanaryRow, 'deliveredAt' | 'copiedAt' | 'deliveryS' | 'lagS' | 'state' | 'cleaned' | 'error'>>): Promise<void> {
    const map: Record<string, string> = { deliveredAt: 'delivered_at', copiedAt: 'copied_at', deliveryS: 'delivery_s', lagS: 'lag_s', state: 'state', cleaned: 'cleaned', error: 'error' };
    const keys = Object.keys(f) as (keyof typeof f)[];
    if (!keys.length) return;
    (await this.db.run(`UPDATE dualrun_canaries SET ${keys.map((k) => `${map[k]} = ?`).join(', ')} WHERE id = ?`, ...keys.map((k) => (k === 'cleaned' ? (f[k] ? 1 : 0) : (f[k] ?? null))), id));
  }

  async canaries(limit = 50): Promise<CanaryRow[]> {
    return (
      (await this.db.all(
          `SELECT id, token, recipient, mx_host AS mxHost, side, sent_at AS sentAt, delivered_at AS deliveredAt, copied_at AS copiedAt, delivery_s AS deliveryS,
             lag_s AS lagS, state, cleaned, error FROM dualrun_canaries ORDER BY id DESC LIMIT ?`,
        limit)) as (Omit<CanaryRow, 'cleaned'> & { cleaned: number })[]
    )
      .map((r) => ({ ...r, cleaned: r.cleaned === 1 }))
      .reverse();
  }

  /**
   * Forgets the store rows of a canary (by its Message-ID), so that its removal from the source
   * is not seen as an expunge; returns where its destination copies were.
   */
  async forgetCanaryRows(messageId: string): Promise<{ destinationPath: string; dstUidvalidity: string | null; dstUid: number | null; copiedAt: string }[]> {
    return this.db.tx(async () => {
    const rows = (await this.db.all(
        `SELECT m.id, f.destination_path AS destinationPath, m.dst_uidvalidity AS dstUidvalidity, m.dst_uid AS dstUid, m.updated_at AS copiedAt, m.state
         FROM messages m JOIN folder_pairs f ON f.id = m.folder_pair_id WHERE m.message_id = ? AND f.direction = 'forward'`,
      messageId)) as { id: number; destinationPath: string; dstUidvalidity: string | null; dstUid: number | null; copiedAt: string; state: string }[];
      for (const r of rows) {
        await this.db.run('DELETE FROM dualrun_source_deleted WHERE message_row_id = ?', r.id);
        await this.db.run('DELETE FROM dualrun_kept WHERE message_row_id = ?', r.id);
        await this.db.run('DELETE FROM messages WHERE id = ?', r.id);
      }
      return rows.filter((r) => r.state === 'copied');
    });
  }

  /** When the copier copied a message with this Message-ID (undefined: not yet). */
  async copiedAt(messageId: string): Promise<string | undefined> {
    return (
      (await this.db.get(`SELECT m.updated_at AS at FROM messages m JOIN folder_pairs f ON f.id = m.folder_pair_id WHERE m.message_id = ? AND m.state = 'copied' AND f.direction = 'forward'`, messageId)) as { at: string } | undefined
    )?.at;
  }

  // ---- alerts -------------------------------------------------------------------------------

  async lastAlert(key: string): Promise<AlertRow | undefined> {
    const r = (await this.db.get(`SELECT id, key, at, level, message, results FROM dualrun_alerts WHERE key = ? ORDER BY id DESC LIMIT 1`, key)) as
      | (Omit<AlertRow, 'results'> & { results: string })
      | undefined;
    return r ? { ...r, results: JSON.parse(r.results) as Record<string, string> } : undefined;
  }

  async addAlert(a: { key: string; level: string; message: string; results: Record<string, string> }): Promise<void> {
    (await this.db.run(`INSERT INTO dualrun_alerts (key, at, level, message, results) VALUES (?, ?, ?, ?, ?)`, a.key, now(), a.level, a.message, JSON.stringify(a.results)));
  }

  async alerts(limit = 20): Promise<AlertRow[]> {
    return ((await this.db.all(`SELECT id, key, at, level, message, results FROM dualrun_alerts ORDER BY id DESC LIMIT ?`, limit)) as (Omit<AlertRow, 'results'> & { results: string })[])
      .map((r) => ({ ...r, results: JSON.parse(r.results) as Record<string, string> }))
      .reverse();
  }
}
