-- PostgreSQL dialect of 0013: the folder pair key becomes (account, direction, source path).
-- SQLite rebuilds the table (it cannot change a constraint in place); PostgreSQL alters it. The
-- columns the rebuild leaves out (note, dst_highestmodseq) are dropped the same way, and reverse
-- pairs written before 0013 lose their "\x01reverse\x01" path prefix.
ALTER TABLE folder_pairs DROP CONSTRAINT folder_pairs_account_id_source_path_key;
UPDATE folder_pairs SET source_path = substr(source_path, 10)
 WHERE substr(source_path, 1, 9) = chr(1) || 'reverse' || chr(1);
ALTER TABLE folder_pairs DROP COLUMN note;
ALTER TABLE folder_pairs DROP COLUMN dst_highestmodseq;
ALTER TABLE folder_pairs ADD CONSTRAINT folder_pairs_direction_check CHECK (direction IN ('forward', 'reverse'));
ALTER TABLE folder_pairs ADD CONSTRAINT folder_pairs_account_id_direction_source_path_key UNIQUE (account_id, direction, source_path);
