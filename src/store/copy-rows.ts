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
