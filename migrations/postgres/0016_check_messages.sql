-- The reason and fix of each cutover check as catalogue keys with their values (JSON), so the
-- checklist and the dashboard say them in the reader's language. NULL for rows written before.
ALTER TABLE cutover_checks ADD COLUMN msg TEXT COLLATE "C";
