-- The data plane's storage bounds (docs/collect.md#limits-on-storage, docs/security.md H3/H4).

-- H4: per organization and UTC day, the device rows kept (the consumer stops keeping rows for hits
-- that identify nobody at DEVICE_ROWS_PER_DAY), the hits of devices past it (counted, no row), and the
-- page views of identified visitors counted but not stored (past STORED_PAGE_VIEWS_PER_DAY per visitor,
-- or a B2C page view whose path an identify call could not find again).
ALTER TABLE usage_daily ADD COLUMN devices INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN untracked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_daily ADD COLUMN unstored_page_views INTEGER NOT NULL DEFAULT 0;

-- H3: the people charged from one address (IPv4, or IPv6 /64) of an organization on one UTC day, so
-- at most PEOPLE_PER_ADDRESS are, whatever User-Agent each hit sends. `address` is a daily salted hash
-- of the address (never the address itself); `people` holds the visitor ids (11 characters each) of
-- the people charged, or being charged, from it that day. The consumer writes a row before it asks the
-- credit counter, guarded by `version`, so concurrent batches never charge past the limit. A row is
-- written only for an identified person: they grow with identifications. Deleted by the cron the day after.
CREATE TABLE address_days (
  day INTEGER NOT NULL, -- days since 1970-01-01
  org INTEGER NOT NULL,
  address TEXT NOT NULL,
  version INTEGER NOT NULL,
  people TEXT NOT NULL,
  PRIMARY KEY (day, org, address)
) WITHOUT ROWID;

-- H4: what an anonymous B2C visit keeps instead of its text: its device row holds 8-character keys of
-- its pages' paths and of how it began (landing page, referrer, UTM tags), and each distinct text is kept
-- here once per organization and UTC day, at most ANONYMOUS_TEXTS_PER_DAY of them, for an identify call
-- in the same visit to find again (worker/collect/plan.ts). Deleted by the cron the day after.
CREATE TABLE anonymous_texts (
  day INTEGER NOT NULL, -- days since 1970-01-01
  org INTEGER NOT NULL,
  key TEXT NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (day, org, key)
) WITHOUT ROWID;

-- N3: visitors of people suppressed (by an erasure) while a hit of theirs was in flight: the hits consumer
-- stores nothing of them but, when the counter had charged the hit already, a receipt naming nobody, and
-- writes a row here in the same batch; then the credit counter and D1 forget the visitor id and the row
-- goes. A row left behind (the counter could not be reached) is worked off by the cron
-- (worker/visitors/erasure.ts `forgetLateErasures`).
CREATE TABLE late_erasures (
  org INTEGER NOT NULL,
  visitor TEXT NOT NULL,
  PRIMARY KEY (org, visitor)
) WITHOUT ROWID;

-- Organization purges (worker/organizations/purge.ts): started by DELETE …?purge=true, worked off on the
-- jobs queue PURGE_ROWS rows per table and job, so a very large organization never takes one big batch.
-- The row stays once completed (it names the organization id only, as the purge's audit entry does).
CREATE TABLE purges (
  organization_id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed')),
  rounds INTEGER NOT NULL DEFAULT 0, -- jobs run so far
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL, -- last progress: a running purge without any for a while is resumed by the cron
  completed_at TEXT
) WITHOUT ROWID;
CREATE INDEX purges_unfinished ON purges (updated_at) WHERE status != 'completed';
