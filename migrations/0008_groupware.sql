-- groupware: contacts and calendars (CardDAV/CalDAV or export files). Account ids refer to the
-- job-wide accounts table (0001).

-- Per account: where its homes are on each side (discovered once) and how its last run ended.
CREATE TABLE groupware_accounts (
  account_id       INTEGER PRIMARY KEY REFERENCES accounts (id),
  -- JSON {"addressbook": url, "calendar": url} per side, filled by discovery
  source_homes     TEXT,
  destination_homes TEXT,
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'syncing', 'complete', 'incomplete', 'failed')),
  last_error       TEXT,
  updated_at       TEXT NOT NULL
);

-- One source collection (address book or calendar) and the destination collection it maps to.
CREATE TABLE groupware_collections (
  id               INTEGER PRIMARY KEY,
  account_id       INTEGER NOT NULL REFERENCES accounts (id),
  kind             TEXT NOT NULL CHECK (kind IN ('addressbook', 'calendar')),
  source_href      TEXT NOT NULL,
  display_name     TEXT,
  color            TEXT,
  description      TEXT,
  -- destination collection URL (DAV) or file path (files destination)
  destination_href TEXT,
  -- the source state last copied completely: a re-run with the same ctag/token does nothing
  source_ctag      TEXT,
  source_sync_token TEXT,
  state            TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'failed')),
  last_error       TEXT,
  updated_at       TEXT NOT NULL,
  UNIQUE (account_id, source_href)
);

-- One object (vCard or calendar resource): source href + ETag -> destination href + ETag.
-- 'intent' is written before the PUT, 'put' after it with the destination ETag; 'kept' means the
-- destination copy was changed by its user since our write and wins; 'failed' carries the reason.
CREATE TABLE groupware_objects (
  id               INTEGER PRIMARY KEY,
  collection_id    INTEGER NOT NULL REFERENCES groupware_collections (id),
  source_href      TEXT NOT NULL,
  source_etag      TEXT,
  uid              TEXT,
  component        TEXT,
  bytes            INTEGER NOT NULL DEFAULT 0,
  destination_href TEXT NOT NULL,
  destination_etag TEXT,
  state            TEXT NOT NULL CHECK (state IN ('intent', 'put', 'kept', 'failed')),
  reason           TEXT,
  updated_at       TEXT NOT NULL,
  UNIQUE (collection_id, source_href)
);
CREATE INDEX groupware_objects_state ON groupware_objects (collection_id, state);

-- The last `groupware verify` per collection.
CREATE TABLE groupware_verify (
  collection_id    INTEGER PRIMARY KEY REFERENCES groupware_collections (id),
  checked_at       TEXT NOT NULL,
  source_objects   INTEGER NOT NULL,
  destination_objects INTEGER NOT NULL,
  missing          INTEGER NOT NULL,
  duplicated       INTEGER NOT NULL,
  altered          INTEGER NOT NULL,
  -- JSON array of {uid, problem}
  details          TEXT NOT NULL DEFAULT '[]'
);
