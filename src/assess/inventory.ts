// Folder inventory without reading a single body: counts, sizes (STATUS SIZE where offered, else
// FETCH RFC822.SIZE), oldest/newest INTERNALDATE, the largest messages, and the messages larger
// than the destination accepts. Folders are opened with EXAMINE (read-only).
import type { ImapFlow } from 'imapflow';
import { HISTOGRAM_EDGES, type FolderInventory, type LargeMessage } from './types.js';

export interface FolderRef {
  path: string;
  logicalPath: string;
  specialUse?: string;
  selectable: boolean;
}

/** Running figures over many folders (per side of one account). */
export class SizeTally {
  histogram = new Array<number>(HISTOGRAM_EDGES.length + 1).fill(0);
  largest: LargeMessage[] = [];
  oversize: LargeMessage[] = [];
  oversizeCount = 0;
  oversizeBytes = 0;
  constructor(
    readonly keepLargest = 10,
    /** Messages above this size are collected as over-size (undefined: no check). */
    readonly limit?: number,
    readonly keepOversize = 200,
  ) {}

  add(m: LargeMessage): void {
    let b = HISTOGRAM_EDGES.findIndex((e) => m.size < e);
    if (b < 0) b = HISTOGRAM_EDGES.length;
    this.histogram[b]!++;
    pushTop(this.largest, m, this.keepLargest);
    if (this.limit !== undefined && m.size > this.limit) {
      this.oversizeCount++;
      this.oversizeBytes += m.size;
      if (this.oversize.length < this.keepOversize) this.oversize.push(m);
    }
  }
}

function pushTop(list: LargeMessage[], m: LargeMessage, n: number): void {
  if (list.length >= n && list[list.length - 1]!.size >= m.size) return;
  list.push(m);
  list.sort((a, b) => b.size - a.size);
  if (list.length > n) list.length = n;
}

export async function inventoryFolder(
  client: ImapFlow,
  folder: FolderRef,
  opts: { statusSize: boolean; tally: SizeTally; keepLargest?: number },
): Promise<FolderInventory> {
  const inv: FolderInventory = {
    path: folder.path,
    logicalPath: folder.logicalPath,
    specialUse: folder.specialUse,
    selectable: folder.selectable,
    messages: 0,
    bytes: 0,
    sizeSource: 'none',
    largest: [],
  };
  if (!folder.selectable) return inv;
  let statusBytes: number | undefined;
  if (opts.statusSize) {
    // STATUS SIZE (RFC 8438): the server's own total, without listing the messages.
    const st = (await client.status(folder.path, { messages: true, size: true } as Parameters<ImapFlow['status']>[1])) as
      | { messages?: number; size?: number }
      | false;
    if (st && typeof st.size === 'number') statusBytes = st.size;
  }
  const lock = await client.getMailboxLock(folder.path, { readOnly: true, description: `assess:${folder.path}` });
  try {
    const exists = client.mailbox ? client.mailbox.exists : 0;
    let sum = 0;
    let count = 0;
    let oldest: number | undefined;
    let newest: number | undefined;
    const top: LargeMessage[] = [];
    if (exists > 0) {
      // Sizes and dates only: FETCH (UID RFC822.SIZE INTERNALDATE), never a body.
      for await (const m of client.fetch('1:*', { uid: true, size: true, internalDate: true })) {
        const size = m.size ?? 0;
        const d = m.internalDate instanceof Date ? m.internalDate : m.internalDate ? new Date(m.internalDate) : undefined;
        const t = d && !Number.isNaN(d.getTime()) ? d.getTime() : undefined;
        const lm: LargeMessage = { folder: folder.logicalPath, uid: m.uid, size, internalDate: t !== undefined ? new Date(t).toISOString() : undefined };
        count++;
        sum += size;
        if (t !== undefined) {
          if (oldest === undefined || t < oldest) oldest = t;
          if (newest === undefined || t > newest) newest = t;
        }
        opts.tally.add(lm);
        pushTop(top, lm, opts.keepLargest ?? 5);
      }
    }
    inv.messages = count;
    inv.bytes = statusBytes ?? sum;
    inv.sizeSource = statusBytes !== undefined ? 'status-size' : 'fetch';
    inv.oldest = oldest !== undefined ? new Date(oldest).toISOString() : undefined;
    inv.newest = newest !== undefined ? new Date(newest).toISOString() : undefined;
    inv.largest = top;
  } finally {
    lock.release();
  }
  return inv;
}
