-- Cutover phase: the checklist and its state, every check result, the propagation watch and
-- late mail. Timestamps are ISO-8601 UTC text; lists and snapshots are JSON text.

-- One row: the cutover as it stands.
CREATE TABLE cutover_state (
  id               INTEGER PRIMARY KEY CHECK (id = 1),
  -- T as planned (plan --at or config), and T as confirmed by the operator
  planned_at       TEXT,
  confirmed_at     TEXT,
  -- what the authoritative servers answered for MX before the switch (JSON [{host, priority}])
  old_mx           TEXT,
  -- MTA-STS snapshot taken at plan / the first check: TXT id and the policy text
  mta_sts_id       TEXT,
  mta_sts_policy   TEXT,
  snapshot_at      TEXT,
  -- highest MX TTL ever seen, and since when it has been at or under the target
  mx_ttl_max       INTEGER,
  mx_ttl_low_since TEXT,
  watch_started_at TEXT,
  last_delta_at    TEXT,
  finalized_at     TEXT,
  rolled_back_at   TEXT,
  updated_at       TEXT NOT NULL
);

-- The checklist (written by plan): one row per step, due relative to T.
CREATE TABLE cutover_steps (
  key            TEXT PRIMARY KEY,
  seq            INTEGER NOT NULL,
  offset_seconds INTEGER NOT NULL,
  due_at         TEXT,
  title          TEXT NOT NULL,
  who            TEXT NOT NULL,
  how            TEXT NOT NULL,
  -- JSON array of check ids whose results decide the step
  check_ids      TEXT NOT NULL DEFAULT '[]',
  -- pending | pass | warn | fail | done
  state          TEXT NOT NULL DEFAULT 'pending',
  note           TEXT,
  updated_at     TEXT NOT NULL
);

-- Every result of every `cutover check` run.
CREATE TABLE cutover_checks (
  id        INTEGER PRIMARY KEY,
  run_at    TEXT NOT NULL,
  check_id  TEXT NOT NULL,
  title     TEXT NOT NULL,
  -- PASS | WARN | FAIL
  status    TEXT NOT NULL,
  reason    TEXT NOT NULL,
  fix       TEXT,
  data      TEXT
);
CREATE INDEX cutover_checks_run ON cutover_checks (run_at);

-- The propagation watch: per DNS server, what it answers and when it flipped to the new MX.
CREATE TABLE cutover_servers (
  address      TEXT PRIMARY KEY,
  -- authoritative | resolver
  kind         TEXT NOT NULL,
  -- old | new | mixed | error
  state        TEXT NOT NULL,
  answer       TEXT,
  flipped_at   TEXT,
  last_seen_at TEXT NOT NULL
);

-- Messages copied by the watch / finalize deltas after T (late arrivals on the old server),
-- and by the rollback's reverse delta, with the host they came through.
CREATE TABLE cutover_late_mail (
  id               INTEGER PRIMARY KEY,
  at               TEXT NOT NULL,
  -- forward | reverse
  direction        TEXT NOT NULL,
  account          TEXT NOT NULL,
  source_path      TEXT NOT NULL,
  destination_path TEXT NOT NULL,
  src_uid          INTEGER NOT NULL,
  message_id       TEXT,
  received_from    TEXT,
  received_by      TEXT,
  received_date    TEXT
);
