import type { ImapFlow } from 'imapflow';
import { IDENTITY_HEADERS, identityFromFetch, type MessageIdentity } from './identity.js';

export interface ScannedFolder {
  uidValidity?: bigint;
  messages: MessageIdentity[];
  /** PERMANENTFLAGS as the server sent it (EXAMINE usually sends none: then undefined). */
  permanentFlags?: string[];
  /** The FLAGS list of the folder. */
  flags?: string[];
}

/**
 * Reads the identity of every message of one folder, read-only: EXAMINE, then one UID FETCH of
 * flags, INTERNALDATE, size and the identity header fields (BODY.PEEK, so \Seen is never set).
 * With `deep`, the full bytes too, hashed as they arrive and then dropped.
 */
export async function scanFolder(client: ImapFlow, path: string, opts: { deep: boolean; signal?: AbortSignal; onMessage?: () => void }): Promise<ScannedFolder> {
  const lock = await client.getMailboxLock(path, { readOnly: true });
  try {
    const mb = client.mailbox;
    const info = mb && typeof mb === 'object' ? mb : undefined;
    const out: ScannedFolder = {
      uidValidity: info?.uidValidity !== undefined ? BigInt(info.uidValidity) : undefined,
      messages: [],
      permanentFlags: info?.permanentFlags?.size ? [...info.permanentFlags] : undefined,
      flags: info?.flags?.size ? [...info.flags] : undefined,
    };
    if (!info || !info.exists) return out;
    // Collected first, hashed inside the loop (no other IMAP command is issued while fetching).
    for await (const m of client.fetch(
      '1:*',
      { uid: true, flags: true, internalDate: true, size: true, headers: [...IDENTITY_HEADERS], ...(opts.deep ? { source: true } : {}) },
      { uid: false },
    )) {
      out.messages.push(
        identityFromFetch({
          uid: m.uid,
          headers: m.headers,
          internalDate: m.internalDate,
          size: m.size,
          flags: m.flags,
          source: opts.deep ? m.source : undefined,
        }),
      );
      opts.onMessage?.();
      if (opts.signal?.aborted) break;
    }
    return out;
  } finally {
    lock.release();
  }
}
