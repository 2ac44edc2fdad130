-- Sync phase additions. folder_pairs rows of a rollback (destination -> source) copy carry
-- direction 'reverse'; their source_path is prefixed with "\x01reverse\x01" so the UNIQUE
-- (account_id, source_path) key of 0001 keeps both directions apart.
ALTER TABLE folder_pairs ADD COLUMN direction TEXT COLLATE "C" NOT NULL DEFAULT 'forward';
ALTER TABLE folder_pairs ADD COLUMN source_logical TEXT COLLATE "C";
ALTER TABLE folder_pairs ADD COLUMN destination_logical TEXT COLLATE "C";
-- human-readable notes of the mapping (JSON array)
ALTER TABLE folder_pairs ADD COLUMN notes TEXT COLLATE "C";

-- Flags the destination would not take (JSON array), reported, never silently lost.
ALTER TABLE messages ADD COLUMN dropped_flags TEXT COLLATE "C";
CREATE INDEX messages_batch ON messages (batch_id) WHERE batch_id IS NOT NULL;
-- messages.state also takes 'gone': deleted on the source before it could be copied.

ALTER TABLE append_batches ADD COLUMN messages BIGINT NOT NULL DEFAULT 0;
ALTER TABLE append_batches ADD COLUMN finished_at TEXT COLLATE "C";
ALTER TABLE append_batches ADD COLUMN error TEXT COLLATE "C";
CREATE INDEX append_batches_open ON append_batches (folder_pair_id, state);
