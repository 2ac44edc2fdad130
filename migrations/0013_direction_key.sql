-- folder_pairs keyed by (account, direction, source path). Until now a rollback's reverse pair was
-- kept apart from the forward pair of the same path by a "\x01reverse\x01" prefix on source_path;
-- the direction column (0004) already said the same thing. The prefix is stripped here and the
-- key carries the direction. Dropped on the way: `note` (never written, always NULL) and
-- `dst_highestmodseq` (never written, never read).
-- SQLite cannot change a UNIQUE constraint in place: the table is rebuilt (the migration runner
-- turns foreign keys off for the rebuild and checks them before it commits).
CREATE TABLE folder_pairs_0013 (
  id                  INTEGER PRIMARY KEY,
  account_id          INTEGER NOT NULL REFERENCES accounts(id),
  -- forward: source -> destination; reverse: destination -> source (a cutover rollback)
  direction           TEXT NOT NULL DEFAULT 'forward' CHECK (direction IN ('forward', 'reverse')),
  -- the path on the side copied from, as that server names it
  source_path         TEXT NOT NULL,
  destination_path    TEXT NOT NULL,
  special_use         TEXT,
  src_uidvalidity     TEXT,
  src_uidnext         INTEGER,
  src_highestmodseq   TEXT,
  src_listed_uid      INTEGER NOT NULL DEFAULT 0,
  dst_uidvalidity     TEXT,
  dst_uidnext         INTEGER,
  -- active | excluded | gone
  state               TEXT NOT NULL DEFAULT 'active',
  updated_at          TEXT NOT NULL,
  source_logical      TEXT,
  destination_logical TEXT,
  notes               TEXT,
  adopt_checked       INTEGER NOT NULL DEFAULT 0,
  UNIQUE (account_id, direction, source_path)
);

INSERT INTO folder_pairs_0013 (id, account_id, direction, source_path, destination_path, special_use, src_uidvalidity,
    src_uidnext, src_highestmodseq, src_listed_uid, dst_uidvalidity, dst_uidnext, state, updated_at, source_logical,
    destination_logical, notes, adopt_checked)
  SELECT id, account_id, direction,
         CASE WHEN substr(source_path, 1, 9) = char(1) || 'reverse' || char(1) THEN substr(source_path, 10) ELSE source_path END,
         destination_path, special_use, src_uidvalidity, src_uidnext, src_highestmodseq, src_listed_uid, dst_uidvalidity,
         dst_uidnext, state, updated_at, source_logical, destination_logical, notes, adopt_checked
    FROM folder_pairs;

DROP TABLE folder_pairs;
ALTER TABLE folder_pairs_0013 RENAME TO folder_pairs;
