-- Alert rules (docs/alerts.md): per organization, which identified visitors to announce (trigger,
-- optional segment and pages) and where (channels). A rule fires at most once per visitor and cooldown.
CREATE TABLE alert_rules (
  id TEXT PRIMARY KEY, -- alr_…
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  name TEXT NOT NULL,
  trigger TEXT NOT NULL CHECK (trigger IN ('identified', 'returned', 'page_viewed')),
  segment_id TEXT REFERENCES segments(id), -- a segment a rule reads is not deleted (the segments API answers 409)
  pages TEXT, -- JSON array of path patterns (page_viewed)
  return_after_days INTEGER, -- returned
  cooldown_hours INTEGER NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  -- The origin the rule was saved through: its messages link to the dashboard there, unless the
  -- partner has a verified domain or DASHBOARD_BASE_URL is set (worker/sessions/places.ts).
  dashboard_origin TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX alert_rules_by_organization ON alert_rules (organization_id, created_at, id);
CREATE INDEX alert_rules_by_segment ON alert_rules (segment_id);

-- Where a rule's messages go, in the rule's order. `target` is the webhook URL, sealed
-- (worker/lib/sealing.ts); `hint` is what the API shows of it. Sightline sets `disabled_reason`
-- when the target is gone (HTTP 404 or 410); enabling the rule again clears it.
CREATE TABLE alert_channels (
  id TEXT PRIMARY KEY, -- chn_…
  rule_id TEXT NOT NULL REFERENCES alert_rules(id),
  position INTEGER NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('slack', 'teams', 'email')),
  target TEXT NOT NULL,
  hint TEXT NOT NULL,
  disabled_reason TEXT,
  disabled_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX alert_channels_by_rule ON alert_channels (rule_id, position);

-- The cooldown: per rule and visitor, the latest firing, the time of its hit and the end of its
-- cooldown. A firing claims it with a conditional upsert, so at-least-once queues and replayed batches
-- fire each rule once per visitor and cooldown. Pruned by the cron once the cooldown is over.
CREATE TABLE alert_claims (
  rule_id TEXT NOT NULL,
  visitor TEXT NOT NULL, -- visitors.id
  at INTEGER NOT NULL, -- unix seconds of the hit that fired
  until INTEGER NOT NULL, -- unix seconds: no other firing before this
  firing TEXT NOT NULL, -- derived from the rule and the hit: the same cause is the same firing
  PRIMARY KEY (rule_id, visitor)
) WITHOUT ROWID;
CREATE INDEX alert_claims_by_end ON alert_claims (until);

-- One message of a firing (or a test) to one channel: the delivery log. The id derives from the
-- firing and the channel, so a firing recorded twice sends once. Pruned by the cron after 30 days.
CREATE TABLE alert_deliveries (
  id TEXT PRIMARY KEY, -- ald_…
  rule_id TEXT NOT NULL,
  organization_id TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  channel_type TEXT NOT NULL,
  firing TEXT NOT NULL,
  trigger TEXT NOT NULL,
  test INTEGER NOT NULL DEFAULT 0,
  visitor TEXT, -- visitors.id; null for a test
  session_start INTEGER, -- sessions.start of the visit that fired
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  status_code INTEGER,
  error TEXT,
  lease_until INTEGER, -- unix seconds: an attempt holds the delivery until then
  created_at TEXT NOT NULL,
  sent_at TEXT
);
CREATE INDEX alert_deliveries_by_rule ON alert_deliveries (rule_id, created_at DESC, id DESC);
CREATE INDEX alert_deliveries_by_age ON alert_deliveries (created_at);
CREATE INDEX alert_deliveries_pending ON alert_deliveries (created_at) WHERE status = 'pending';

-- The identification webhook opts in to `company.visited` (one event per visit: frequent).
ALTER TABLE webhook_endpoints ADD COLUMN company_visited INTEGER NOT NULL DEFAULT 0;
