-- What the hits consumer keeps (docs/collect.md#storage). Identified visitors keep their whole story
-- (visitor, sessions, page views, charges) for the partner's retention window; every other hit is a
-- count in the daily rollups (usage_daily). Rows that grow with traffic use compact encodings:
-- the organization's short key, unix seconds, day numbers, 8-character event keys.

-- Per organization: the short key its rows carry below, the secret salt of its visitor ids and
-- device hashes (never shown), its running count of identified visitors, and when the retention
-- sweep last pruned it (the cron works through organizations, least recently swept first).
CREATE TABLE organization_keys (
  key INTEGER PRIMARY KEY,
  organization_id TEXT NOT NULL UNIQUE REFERENCES organizations(id),
  salt TEXT NOT NULL,
  visitors INTEGER NOT NULL DEFAULT 0,
  swept_at INTEGER NOT NULL DEFAULT 0 -- unix seconds
);
CREATE INDEX organization_keys_by_sweep ON organization_keys (swept_at);

-- An identified visitor: one company (B2B) or person (B2C) per organization. `id` is a keyed hash
-- of the identity (the API shows `vis_<id>`), so concurrent consumers agree on it without a lookup;
-- `seq` is what sessions, page views and the search index refer to. The identity's display and
-- filter fields are a snapshot, refreshed whenever the visitor is seen again.
CREATE TABLE visitors (
  seq INTEGER PRIMARY KEY,
  org INTEGER NOT NULL,
  id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('company', 'person')),
  first_seen INTEGER NOT NULL, -- unix seconds
  last_seen INTEGER NOT NULL,
  sessions INTEGER NOT NULL DEFAULT 0,
  page_views INTEGER NOT NULL DEFAULT 0,
  engaged_seconds INTEGER NOT NULL DEFAULT 0,
  scroll_sum INTEGER NOT NULL DEFAULT 0,
  scroll_samples INTEGER NOT NULL DEFAULT 0,
  landing_page TEXT, -- first touch
  referrer TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_term TEXT, utm_content TEXT,
  last_page TEXT, -- last touch
  device_type TEXT, browser TEXT, os TEXT,
  country TEXT, region TEXT, city TEXT,
  name TEXT, domain TEXT, industry TEXT, employee_range TEXT, revenue_range TEXT,
  hq_country TEXT, hq_region TEXT, hq_city TEXT, linkedin_url TEXT,
  job_title TEXT, email_domain TEXT, company_domain TEXT, location TEXT,
  icp_matched INTEGER NOT NULL DEFAULT 0,
  icp_score INTEGER NOT NULL DEFAULT 0,
  icp_config_id TEXT, -- no foreign key: configs are hard-deleted and rescoring clears it
  charged_period INTEGER, -- start (unix seconds) of the latest billing period its identity was charged in
  UNIQUE (org, id)
);
CREATE INDEX visitors_by_recency ON visitors (org, last_seen DESC);
CREATE INDEX visitors_by_icp ON visitors (org, last_seen DESC) WHERE icp_matched = 1;

-- Word prefixes of a visitor's name and domain, each token prefixed with its organization's key
-- (`k12zacme`), so a search reads one organization's terms only. rowid = visitors.seq.
CREATE VIRTUAL TABLE visitor_search USING fts5(terms, content = '', contentless_delete = 1);

-- A visit of an identified visitor: one device's hits with gaps under 30 minutes.
CREATE TABLE sessions (
  visitor INTEGER NOT NULL, -- visitors.seq
  start INTEGER NOT NULL, -- unix seconds
  org INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  page_views INTEGER NOT NULL DEFAULT 0,
  landing_page TEXT,
  referrer TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_term TEXT, utm_content TEXT,
  device_type TEXT,
  PRIMARY KEY (visitor, start)
) WITHOUT ROWID;
CREATE INDEX sessions_by_start ON sessions (org, start);

-- A page view of an identified visitor, with its engagement.
CREATE TABLE page_views (
  visitor INTEGER NOT NULL,
  session INTEGER NOT NULL, -- sessions.start
  key TEXT NOT NULL, -- event key: 8 characters of the hash of the pixel's event id
  at INTEGER NOT NULL, -- seconds after the session's start
  path TEXT NOT NULL,
  engaged_seconds INTEGER NOT NULL DEFAULT 0,
  scroll_depth INTEGER,
  PRIMARY KEY (visitor, session, key)
) WITHOUT ROWID;

-- The receipt of each charge (a credit spent), immutable and kept as long as the organization.
-- Every other outcome is a daily count in usage_daily.
CREATE TABLE charges (
  org INTEGER NOT NULL,
  at INTEGER NOT NULL, -- unix seconds: when the hit arrived
  event_id TEXT NOT NULL, -- the pixel's event id
  visitor TEXT NOT NULL, -- visitors.id (the visitor itself may be gone after the retention window); 'erased' once erased
  type TEXT NOT NULL CHECK (type IN ('company', 'person')),
  period_start INTEGER NOT NULL, -- unix seconds
  PRIMARY KEY (org, at, event_id)
) WITHOUT ROWID;

-- One device (keyed daily hash of address and user agent) of an organization on one UTC day:
-- the event keys already counted (exactly-once under redelivery), the device's recent visits (the
-- session window and, for B2C, the anonymous pages an identify call attributes to the person), and
-- the people charged on it today. Deleted by the cron the day after.
CREATE TABLE device_days (
  day INTEGER NOT NULL, -- days since 1970-01-01
  org INTEGER NOT NULL,
  device TEXT NOT NULL,
  version INTEGER NOT NULL, -- optimistic concurrency: a write expects the version it read
  last INTEGER NOT NULL, -- unix seconds of the device's latest page view or identify call
  seen TEXT NOT NULL, -- event keys counted, 8 characters each, newest last
  visits TEXT, -- JSON: the device's recent visits
  people TEXT, -- visitor ids of the people charged on this device today, 11 characters each
  PRIMARY KEY (day, org, device)
) WITHOUT ROWID;

-- Never holds a row: a consumer write inserts into it only when what it read has changed since,
-- which fails the whole batch (CHECK) and makes the consumer read again.
CREATE TABLE write_guard (ok INTEGER CHECK (ok = 1));

-- Queue messages of hits turned away at the edge, already counted (they carry no event id).
CREATE TABLE counted_messages (
  day INTEGER NOT NULL,
  id TEXT NOT NULL,
  PRIMARY KEY (day, id)
) WITHOUT ROWID;
