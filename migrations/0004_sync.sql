-- Sync phase additions. folder_pairs rows of a rollback (destination -> source) copy carry
-- direction 'reverse'; their source_path is prefixed with "\x01reverse\x01" so the UNIQUE
-- (account_id, source_path) key of 0001 keeps both directions apart.
ALTER TABLE folder_pairs ADD COLUMN direction TEXT NOT NULL DEFAULT 'forward';
ALTER TABLE folder_pairs ADD COLUMN source_logical TEXT;
ALTER TABLE folder_pairs ADD COLUMN destination_logical TEXT;
-- human-readable notes of the mapping (JSON array)
ALTER TABLE folder_pairs ADD COLUMN notes TEXT;

-- Flags the destination would not take (JSON array), reported, never silently lost.
ALTER TABLE messages ADD COLUMN dropped_flags TEXT;
CREATE INDEX messages_batch ON messages (batch_id) WHERE batch_id IS NOT NULL;
-- messages.state also takes 'gone': deleted on the source before it could be copied.

ALTER TABLE append_batches ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE append_batches ADD COLUMN finished_at TEXT;
ALTER TABLE append_batches ADD COLUMN error TEXT;
CREATE INDEX append_batches_open ON append_batches (folder_pair_id, state);
