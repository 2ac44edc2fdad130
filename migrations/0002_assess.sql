-- The assess phase: one row per assessment run (the whole result as JSON, for the report), plus
-- per-folder figures and ranked risks as rows, so sync and the report can query them.

CREATE TABLE assess_runs (
  id            INTEGER PRIMARY KEY,
  phase_run_id  INTEGER REFERENCES phase_runs(id),
  generated_at  TEXT NOT NULL,
  -- go | no-go
  verdict       TEXT NOT NULL,
  blockers      INTEGER NOT NULL,
  warnings      INTEGER NOT NULL,
  messages      INTEGER NOT NULL,
  bytes         INTEGER NOT NULL,
  estimated_seconds REAL,
  report_dir    TEXT,
  result        TEXT NOT NULL
);

CREATE TABLE assess_folders (
  id             INTEGER PRIMARY KEY,
  run_id         INTEGER NOT NULL REFERENCES assess_runs(id),
  source_user    TEXT NOT NULL,
  -- source | destination
  side           TEXT NOT NULL,
  path           TEXT NOT NULL,
  logical_path   TEXT NOT NULL,
  special_use    TEXT,
  messages       INTEGER NOT NULL,
  bytes          INTEGER NOT NULL,
  oldest         TEXT,
  newest         TEXT,
  -- the destination path sync will use (source side only)
  destination_path TEXT,
  action         TEXT,
  error          TEXT
);
CREATE INDEX assess_folders_run ON assess_folders (run_id, source_user, side);

CREATE TABLE assess_risks (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES assess_runs(id),
  rank       INTEGER NOT NULL,
  risk_id    TEXT NOT NULL,
  severity   TEXT NOT NULL,
  title      TEXT NOT NULL,
  fix        TEXT NOT NULL,
  -- JSON arrays
  accounts   TEXT NOT NULL,
  folders    TEXT NOT NULL
);
CREATE INDEX assess_risks_run ON assess_risks (run_id, rank);
