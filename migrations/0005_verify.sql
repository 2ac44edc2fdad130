-- verify: one row per run, one per folder pair compared, one per message that differs.
-- The latest run feeds `mailshift report`. Differences are capped per folder by the writer.

CREATE TABLE verify_runs (
  id                    INTEGER PRIMARY KEY,
  started_at            TEXT NOT NULL,
  finished_at           TEXT,
  deep                  INTEGER NOT NULL,
  -- running | clean | differences | failed | interrupted
  outcome               TEXT NOT NULL DEFAULT 'running',
  accounts              INTEGER NOT NULL DEFAULT 0,
  folders               INTEGER NOT NULL DEFAULT 0,
  source_messages       INTEGER NOT NULL DEFAULT 0,
  destination_messages  INTEGER NOT NULL DEFAULT 0,
  matched               INTEGER NOT NULL DEFAULT 0,
  missing               INTEGER NOT NULL DEFAULT 0,
  duplicated            INTEGER NOT NULL DEFAULT 0,
  extra                 INTEGER NOT NULL DEFAULT 0,
  altered               INTEGER NOT NULL DEFAULT 0,
  errors                INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE verify_folders (
  id                  INTEGER PRIMARY KEY,
  run_id              INTEGER NOT NULL REFERENCES verify_runs(id),
  account             TEXT NOT NULL,
  destination_account TEXT NOT NULL,
  source_path         TEXT NOT NULL,
  destination_path    TEXT NOT NULL,
  -- 'store' when the checkpoint's UID mapping paired the messages, 'scan' when identity alone did
  method              TEXT NOT NULL,
  source_count        INTEGER NOT NULL DEFAULT 0,
  destination_count   INTEGER NOT NULL DEFAULT 0,
  matched             INTEGER NOT NULL DEFAULT 0,
  missing             INTEGER NOT NULL DEFAULT 0,
  duplicated          INTEGER NOT NULL DEFAULT 0,
  extra               INTEGER NOT NULL DEFAULT 0,
  altered             INTEGER NOT NULL DEFAULT 0,
  -- JSON [{flag, messages}]: source flags the destination does not store (not errors)
  refused_flags       TEXT NOT NULL DEFAULT '[]',
  source_digest       TEXT,
  destination_digest  TEXT,
  -- set when the folder could not be compared (e.g. login refused); counts are then 0
  error               TEXT
);
CREATE INDEX verify_folders_run ON verify_folders (run_id);

CREATE TABLE verify_differences (
  id             INTEGER PRIMARY KEY,
  folder_id      INTEGER NOT NULL REFERENCES verify_folders(id),
  -- missing | duplicated | extra | altered
  kind           TEXT NOT NULL,
  message_id     TEXT,
  subject        TEXT,
  src_uid        INTEGER,
  dst_uid        INTEGER,
  internal_date  TEXT,
  -- JSON array for 'altered': bytes, flags, internaldate
  parts          TEXT,
  detail         TEXT NOT NULL
);
CREATE INDEX verify_differences_folder ON verify_differences (folder_id);
