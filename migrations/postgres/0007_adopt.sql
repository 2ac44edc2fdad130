-- Mail already in the destination (another tool, a lost store, the provider's own migration) is
-- adopted instead of copied again: messages.adopted = 1 marks a row recorded as copied because an
-- identical message was found in the destination folder (with its destination UID).
ALTER TABLE messages ADD COLUMN adopted BIGINT NOT NULL DEFAULT 0;
-- 1 once the destination folder was indexed for adoption (done once, before the first copy).
ALTER TABLE folder_pairs ADD COLUMN adopt_checked BIGINT NOT NULL DEFAULT 0;
-- Pairs that already copied mail under an older mailshift have had their first copy.
UPDATE folder_pairs SET adopt_checked = 1
 WHERE EXISTS (SELECT 1 FROM messages m WHERE m.folder_pair_id = folder_pairs.id AND m.state = 'copied');
