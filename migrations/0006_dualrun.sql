-- dual-run: the delta loop's own watermarks and its record of every pass. Message and folder
-- pair ids refer to the sync tables (0001/0004) without foreign keys, so that nothing here can
-- block the sync's own bookkeeping.

-- One row per pass of the delta loop.
CREATE TABLE dualrun_passes (
  id               INTEGER PRIMARY KEY,
  -- the phase_runs row of the `mailshift dual-run` invocation this pass belongs to
  run_id           INTEGER NOT NULL,
  pass             INTEGER NOT NULL,
  started_at       TEXT NOT NULL,
  finished_at      TEXT NOT NULL,
  seconds          REAL NOT NULL,
  sync_seconds     REAL NOT NULL,
  copied           INTEGER NOT NULL DEFAULT 0,
  new_folders      INTEGER NOT NULL DEFAULT 0,
  flags_applied    INTEGER NOT NULL DEFAULT 0,
  destination_kept INTEGER NOT NULL DEFAULT 0,
  source_deleted   INTEGER NOT NULL DEFAULT 0,
  -- 1 when every step of every account finished without an error or an interrupt
  complete         INTEGER NOT NULL,
  -- JSON array of one-line error messages
  errors           TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX dualrun_passes_run ON dualrun_passes (run_id, pass);

-- The flag pass's watermark per forward folder pair. Kept apart from folder_pairs.src_highestmodseq
-- because the sync moves that one whenever it lists new mail, which would hide flag changes.
CREATE TABLE dualrun_folders (
  folder_pair_id   INTEGER PRIMARY KEY,
  src_uidvalidity  TEXT NOT NULL,
  -- HIGHESTMODSEQ read before the last flag fetch (NULL without CONDSTORE)
  flags_modseq     TEXT,
  src_exists       INTEGER NOT NULL,
  src_uidnext      INTEGER NOT NULL,
  checked_at       TEXT NOT NULL
);

-- Copied messages later deleted on the source. The destination copy is kept (non-destructive).
CREATE TABLE dualrun_source_deleted (
  message_row_id   INTEGER PRIMARY KEY,
  folder_pair_id   INTEGER NOT NULL,
  seen_at          TEXT NOT NULL
);

-- Messages whose flags the user changed on the destination: the destination wins. The source
-- flags last seen are kept so that one change is reported once, not on every pass.
CREATE TABLE dualrun_kept (
  message_row_id   INTEGER PRIMARY KEY,
  folder_pair_id   INTEGER NOT NULL,
  src_flags        TEXT NOT NULL,
  dst_flags        TEXT NOT NULL,
  at               TEXT NOT NULL
);
