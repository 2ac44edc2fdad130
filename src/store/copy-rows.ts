import type { FolderPairRow, MessageRow } from './contract/copy.js';

// The columns and row shapes of messages and folder_pairs as the copy checkpoints return them:
// the same in SQLite and PostgreSQL (mirrored migrations), so both stores select and map alike.

export const MSG_COLS = `id, src_uid AS srcUid, message_id AS messageId, internal_date AS internalDate, size,
  header_hash AS headerHash, flags, state, batch_id AS batchId, dst_uidvalidity AS dstUidvalidity,
  dst_uid AS dstUid, attempts, last_error AS lastError`;

export const FP_COLS = `id, account_id AS accountId, direction, source_path AS sourcePath, destination_path AS destinationPath,
  source_logical AS sourceLogical, destination_logical AS destinationLogical, special_use AS specialUse,
  src_uidvalidity AS srcUidvalidity, src_uidnext AS srcUidnext, src_listed_uid AS srcListedUid,
  dst_uidvalidity AS dstUidvalidity, dst_uidnext AS dstUidnext, src_messages_listed AS sourceMessagesListed, state, notes`;

export type RawMsg = Omit<MessageRow, 'flags'> & { flags: string };
export const toMsg = (r: RawMsg): MessageRow => ({ ...r, flags: JSON.parse(r.flags) as string[] });
export type RawFp = Omit<FolderPairRow, 'notes'> & { notes: string | null };
export const toFp = (r: RawFp): FolderPairRow => ({
  ...r,
  notes: r.notes ? (JSON.parse(r.notes) as string[]) : [],
});

/** One MSG_COLS row as an array (better-sqlite3's raw mode), in MSG_COLS order. */
export type RawMsgRow = [number, number, string | null, string | null, number, string | null, string, MessageRow['state'], number | null, string | null, number | null, number, string | null];

// A folder's flag lists are a handful of distinct strings ('[]', '["\\Seen"]', …): each is parsed
// once and handed out as a fresh copy, so a caller may still change the array it got.
const flagLists = new Map<string, readonly string[]>();
const flagsOf = (json: string): string[] => {
  let f = flagLists.get(json);
  if (!f) {
    f = JSON.parse(json) as string[];
    if (flagLists.size < 4096) flagLists.set(json, f);
  }
  return f.slice();
};

/**
 * The same MessageRow as `toMsg`, key for key and in the same key order, built from a raw row:
 * no intermediate row object, no spread, one JSON.parse per distinct flag list (SQLite's hot reads).
 */
export const msgOfRow = (r: RawMsgRow): MessageRow => ({
  id: r[0],
  srcUid: r[1],
  messageId: r[2],
  internalDate: r[3],
  size: r[4],
  headerHash: r[5],
  flags: flagsOf(r[6]),
  state: r[7],
  batchId: r[8],
  dstUidvalidity: r[9],
  dstUid: r[10],
  attempts: r[11],
  lastError: r[12],
});
