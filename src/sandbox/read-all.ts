import { createHash } from 'node:crypto';
import type { DovecotServer } from './dovecot.js';
import { closeClient, logicalPath, openClient } from './imap-client.js';

export interface SnapshotMessage {
  uid: number;
  /** Raw bytes (BODY.PEEK[]); empty when read with `hashOnly`. */
  raw: Buffer;
  /** sha256 hex of the raw bytes (always set). */
  sha256: string;
  /** Sorted, keywords included, no \Recent. */
  flags: string[];
  internalDate: Date;
  size: number;
}

export interface FolderSnapshot {
  /** Logical, '/'-separated, no namespace prefix ('INBOX' for the inbox). */
  path: string;
  /** Wire path as listed by the server. */
  wirePath: string;
  specialUse?: string;
  uidValidity: bigint;
  uidNext: number;
  highestModseq?: bigint;
  messages: SnapshotMessage[];
}

export interface ReadAllOptions {
  /** Keep only the sha256 of each body (for large corpora). */
  hashOnly?: boolean;
  /** Messages whose bodies are fetched per FETCH command. */
  batch?: number;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Every selectable folder, every message: raw bytes, sorted flags, INTERNALDATE and size, plus
 * UIDVALIDITY/UIDNEXT/HIGHESTMODSEQ per folder. Read-only (EXAMINE, BODY.PEEK), so reading does
 * not change \Seen. Folders are sorted by logical path, messages by UID.
 */
export async function readAll(
  server: Pick<DovecotServer, 'host' | 'port'>,
  user: string,
  password: string,
  opts: ReadAllOptions = {},
): Promise<FolderSnapshot[]> {
  const client = await openClient(server, user, password);
  try {
    const prefix = client.namespace?.prefix ?? '';
    const listed = await client.list();
    const out: FolderSnapshot[] = [];
    for (const f of listed) {
      if (f.flags.has('\\Noselect') || f.flags.has('\\NonExistent')) continue;
      const box = await client.mailboxOpen(f.path, { readOnly: true });
      const messages: SnapshotMessage[] = [];
      if (box.exists > 0) {
        for await (const m of client.fetch('1:*', { uid: true, flags: true, internalDate: true, size: true })) {
          messages.push({
            uid: m.uid,
            raw: Buffer.alloc(0),
            sha256: '',
            flags: [...(m.flags ?? [])].filter((x) => x !== '\\Recent').sort(),
            internalDate: m.internalDate instanceof Date ? m.internalDate : new Date(m.internalDate ?? 0),
            size: m.size ?? 0,
          });
        }
        messages.sort((a, b) => a.uid - b.uid);
        const byUid = new Map(messages.map((m) => [m.uid, m]));
        const batch = Math.max(1, opts.batch ?? 200);
        for (let i = 0; i < messages.length; i += batch) {
          const uids = messages.slice(i, i + batch).map((m) => m.uid);
          // Bodies are collected first and processed after the loop ends (no commands inside fetch).
          for await (const m of client.fetch(uids.join(','), { uid: true, source: true }, { uid: true })) {
            const target = byUid.get(m.uid);
            if (!target || !m.source) continue;
            target.sha256 = sha256(m.source);
            if (!opts.hashOnly) target.raw = m.source;
          }
        }
      }
      out.push({
        path: logicalPath(f.path, f.delimiter, prefix),
        wirePath: f.path,
        specialUse: f.specialUse || undefined,
        uidValidity: BigInt(box.uidValidity),
        uidNext: box.uidNext,
        highestModseq: box.highestModseq !== undefined ? BigInt(box.highestModseq) : undefined,
        messages,
      });
    }
    out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return out;
  } finally {
    await closeClient(client);
  }
}

/**
 * One line per message, `path \t sha256 \t flags \t internalDate(ISO) \t size`, sorted: two servers hold
 * the same mail when their digests are equal, and a failing toEqual shows exactly which messages differ.
 * Folder UIDs and UIDVALIDITY are left out (they differ between servers by design).
 */
export function snapshotDigest(folders: FolderSnapshot[], opts: { ignoreFlags?: boolean; pathOf?: (f: FolderSnapshot) => string } = {}): string[] {
  const lines: string[] = [];
  for (const f of folders) {
    const path = opts.pathOf ? opts.pathOf(f) : f.path;
    for (const m of f.messages) {
      const hash = m.sha256 || sha256(m.raw);
      lines.push([path, hash, opts.ignoreFlags ? '' : m.flags.join(' '), m.internalDate.toISOString(), String(m.size)].join('\t'));
    }
  }
  return lines.sort();
}

/** sha256 over snapshotDigest's lines: one string that changes when any message does. */
export function digestHash(folders: FolderSnapshot[]): string {
  return createHash('sha256').update(snapshotDigest(folders).join('\n')).digest('hex');
}
