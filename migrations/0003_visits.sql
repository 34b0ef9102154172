-- An identified visitor: one company (B2B) or person (B2C) per organization.
CREATE TABLE visitors (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  identity_key TEXT NOT NULL, -- 'company:<id>' or 'person:<sha256>'
  type TEXT NOT NULL CHECK (type IN ('company', 'person')),
  company_id TEXT REFERENCES companies(id),
  person_sha256 TEXT,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  sessions INTEGER NOT NULL DEFAULT 0,
  page_views INTEGER NOT NULL DEFAULT 0,
  total_time_seconds INTEGER NOT NULL DEFAULT 0,
  scroll_depth_sum INTEGER NOT NULL DEFAULT 0,
  scroll_depth_samples INTEGER NOT NULL DEFAULT 0,
  landing_page TEXT,
  last_page TEXT,
  referrer TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_term TEXT, utm_content TEXT,
  device_type TEXT, browser TEXT, os TEXT,
  country TEXT, region TEXT, city TEXT,
  UNIQUE (organization_id, identity_key)
);
CREATE INDEX visitors_by_recency ON visitors (organization_id, last_seen_at DESC, id DESC);

-- Pages per visitor, for topPages.
CREATE TABLE visitor_pages (
  visitor_id TEXT NOT NULL REFERENCES visitors(id),
  path TEXT NOT NULL,
  views INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (visitor_id, path)
) WITHOUT ROWID;

-- A session: hits of one device (daily hash of IP + user agent) with gaps under 30 minutes.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  device_key TEXT NOT NULL,
  visitor_id TEXT REFERENCES visitors(id),
  started_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  page_views INTEGER NOT NULL DEFAULT 0,
  landing_page TEXT,
  referrer TEXT,
  utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, utm_term TEXT, utm_content TEXT,
  is_bot INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_device ON sessions (organization_id, device_key, last_seen_at);

-- Every accepted hit, once (the pixel's event id is the key).
CREATE TABLE page_views (
  event_id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  session_id TEXT NOT NULL REFERENCES sessions(id),
  visitor_id TEXT REFERENCES visitors(id),
  url TEXT NOT NULL,
  path TEXT NOT NULL,
  referrer TEXT,
  occurred_at TEXT NOT NULL,
  is_bot INTEGER NOT NULL DEFAULT 0,
  engaged_seconds INTEGER NOT NULL DEFAULT 0,
  scroll_depth INTEGER NOT NULL DEFAULT 0,
  engagement_received INTEGER NOT NULL DEFAULT 0,
  -- Random per write attempt: counters are bumped only by the attempt whose insert won,
  -- so a hit replayed into two concurrent consumer runs is counted once.
  write_id TEXT NOT NULL
);
CREATE INDEX page_views_by_org_time ON page_views (organization_id, occurred_at);
CREATE INDEX page_views_by_session ON page_views (session_id);

-- The receipt of every identification attempt: why a hit was or was not charged.
CREATE TABLE identifications (
  event_id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  identity_key TEXT,
  visitor_id TEXT REFERENCES visitors(id),
  reason TEXT NOT NULL CHECK (reason IN ('charged', 'already_charged_this_period', 'no_credit', 'bot',
    'referrer_not_allowed', 'disabled', 'not_identified', 'excluded')),
  credits INTEGER NOT NULL DEFAULT 0,
  period_start TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX identifications_by_org_time ON identifications (organization_id, created_at);
CREATE INDEX identifications_by_org_reason ON identifications (organization_id, reason, created_at);

-- Hits that were turned away at the edge, counted per organization and UTC day.
CREATE TABLE rejected_hits (
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  day TEXT NOT NULL,
  reason TEXT NOT NULL,
  count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (organization_id, day, reason)
) WITHOUT ROWID;
