-- dual-run, part two: moves and deletions applied on the destination, the loop's heartbeat,
-- canary rounds and the alerts sent. Row ids refer to the sync tables without foreign keys.

-- One destination action per source change: a move between folders, a source expunge carried
-- to the destination's Trash or expunged there. Written as an intent before the IMAP command
-- and finished after it, so that a kill in between is reconciled on the next pass, never redone.
CREATE TABLE dualrun_actions (
  id                 INTEGER PRIMARY KEY,
  -- move | trash | expunge
  kind               TEXT NOT NULL,
  message_row_id     INTEGER NOT NULL,
  from_pair_id       INTEGER NOT NULL,
  from_dst_path      TEXT NOT NULL,
  from_dst_uidvalidity TEXT NOT NULL,
  from_dst_uid       INTEGER NOT NULL,
  -- move: the source folder pair and UID the message now has
  to_pair_id         INTEGER,
  to_src_uidvalidity TEXT,
  to_src_uid         INTEGER,
  -- move and trash: the destination folder written to, and its UIDNEXT before the command
  to_dst_path        TEXT,
  to_dst_uidvalidity TEXT,
  to_dst_uidnext     INTEGER,
  -- move | copy-expunge | copy-mark | mark | expunge
  method             TEXT,
  -- intent | done | abandoned
  state              TEXT NOT NULL,
  to_dst_uid         INTEGER,
  pass_run_id        INTEGER,
  created_at         TEXT NOT NULL,
  finished_at        TEXT,
  note               TEXT
);
CREATE INDEX dualrun_actions_open ON dualrun_actions (state);
CREATE INDEX dualrun_actions_row ON dualrun_actions (message_row_id);

ALTER TABLE dualrun_passes ADD COLUMN moved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dualrun_passes ADD COLUMN expunged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dualrun_passes ADD COLUMN deletes_applied INTEGER NOT NULL DEFAULT 0;

-- The heartbeat of the running loop (one row): what status and health read.
CREATE TABLE dualrun_heartbeat (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  pid             INTEGER NOT NULL,
  host            TEXT NOT NULL,
  run_id          INTEGER NOT NULL,
  interval_s      INTEGER NOT NULL,
  started_at      TEXT NOT NULL,
  beat_at         TEXT NOT NULL,
  -- running | stopped (clean end)
  state           TEXT NOT NULL,
  next_pass_at    TEXT,
  last_pass_at    TEXT,
  last_pass_ok    INTEGER,
  last_error      TEXT,
  lag_seconds     REAL
);

-- Canary rounds: one row per canary message sent.
CREATE TABLE dualrun_canaries (
  id              INTEGER PRIMARY KEY,
  token           TEXT NOT NULL UNIQUE,
  recipient       TEXT NOT NULL,
  mx_host         TEXT NOT NULL,
  -- which side DNS pointed at when it was sent: source | destination
  side            TEXT NOT NULL,
  sent_at         TEXT NOT NULL,
  delivered_at    TEXT,
  copied_at       TEXT,
  delivery_s      REAL,
  lag_s           REAL,
  -- sent | delivered | copied | lost | failed
  state           TEXT NOT NULL,
  cleaned         INTEGER NOT NULL DEFAULT 0,
  error           TEXT
);

-- Alerts sent (or attempted), so that one condition alerts once, not on every pass.
CREATE TABLE dualrun_alerts (
  id              INTEGER PRIMARY KEY,
  key             TEXT NOT NULL,
  at              TEXT NOT NULL,
  level           TEXT NOT NULL,
  message         TEXT NOT NULL,
  -- JSON: channel name -> "ok" | error text
  results         TEXT NOT NULL
);
CREATE INDEX dualrun_alerts_key ON dualrun_alerts (key, at);
