-- The checkpoint store of one job. Timestamps are ISO-8601 UTC text. UIDVALIDITY and MODSEQ
-- values are 64-bit on the wire and are kept as TEXT so that no precision is lost.

CREATE TABLE job (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  name        TEXT NOT NULL,
  domain      TEXT NOT NULL,
  created_at  TEXT NOT NULL
);

-- One process owns a job at a time.
CREATE TABLE job_lock (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  pid          INTEGER NOT NULL,
  host         TEXT NOT NULL,
  command      TEXT NOT NULL,
  acquired_at  TEXT NOT NULL
);

CREATE TABLE accounts (
  id                INTEGER PRIMARY KEY,
  source_user       TEXT NOT NULL UNIQUE,
  destination_user  TEXT NOT NULL,
  -- pending | syncing | complete | incomplete | failed
  state             TEXT NOT NULL DEFAULT 'pending',
  last_error        TEXT,
  updated_at        TEXT NOT NULL
);

-- A source folder and the destination folder it is copied into, with watermarks on both sides.
CREATE TABLE folder_pairs (
  id                  INTEGER PRIMARY KEY,
  account_id          INTEGER NOT NULL REFERENCES accounts(id),
  source_path         TEXT NOT NULL,
  destination_path    TEXT NOT NULL,
  special_use         TEXT,
  src_uidvalidity     TEXT,
  src_uidnext         INTEGER,
  src_highestmodseq   TEXT,
  -- highest source UID whose message row exists (listing watermark)
  src_listed_uid      INTEGER NOT NULL DEFAULT 0,
  dst_uidvalidity     TEXT,
  dst_uidnext         INTEGER,
  dst_highestmodseq   TEXT,
  -- active | excluded | gone
  state               TEXT NOT NULL DEFAULT 'active',
  note                TEXT,
  updated_at          TEXT NOT NULL,
  UNIQUE (account_id, source_path)
);

-- One row per source message: identity, fingerprint, where it went, and what happened.
CREATE TABLE messages (
  id               INTEGER PRIMARY KEY,
  folder_pair_id   INTEGER NOT NULL REFERENCES folder_pairs(id),
  src_uidvalidity  TEXT NOT NULL,
  src_uid          INTEGER NOT NULL,
  message_id       TEXT,
  internal_date    TEXT,
  size             INTEGER NOT NULL,
  -- sha256 of the normalized header block (identity without Message-ID, and a cross-check with it)
  header_hash      TEXT,
  -- JSON array of flags and keywords as last seen on the source
  flags            TEXT NOT NULL DEFAULT '[]',
  -- pending | copying | copied | skipped | failed
  state            TEXT NOT NULL DEFAULT 'pending',
  batch_id         INTEGER,
  dst_uidvalidity  TEXT,
  dst_uid          INTEGER,
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  updated_at       TEXT NOT NULL,
  UNIQUE (folder_pair_id, src_uidvalidity, src_uid)
);
CREATE INDEX messages_state ON messages (folder_pair_id, state);

-- The intent of one APPEND or MULTIAPPEND, written before the command is sent.
CREATE TABLE append_batches (
  id                 INTEGER PRIMARY KEY,
  folder_pair_id     INTEGER NOT NULL REFERENCES folder_pairs(id),
  dst_uidvalidity    TEXT,
  dst_uidnext_before INTEGER,
  -- sent | done | failed
  state              TEXT NOT NULL,
  created_at         TEXT NOT NULL
);

CREATE TABLE phase_runs (
  id           INTEGER PRIMARY KEY,
  phase        TEXT NOT NULL,
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  -- running | complete | incomplete | failed | interrupted
  outcome      TEXT NOT NULL DEFAULT 'running',
  summary      TEXT
);

CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  phase       TEXT,
  account_id  INTEGER,
  level       TEXT NOT NULL,
  kind        TEXT NOT NULL,
  message     TEXT NOT NULL,
  data        TEXT
);
CREATE INDEX events_kind ON events (kind, at);
