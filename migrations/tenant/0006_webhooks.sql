-- Webhook endpoints: one per partner and channel (identification, billing).
-- `secret` is the current whsec_ secret; `previous_secret` stays valid until
-- `previous_secret_expires_at` after a rotation (both signatures are sent).
CREATE TABLE webhook_endpoints (
  partner_id TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('identification', 'billing')),
  url TEXT,
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_expires_at TEXT,
  enabled INTEGER NOT NULL DEFAULT 1,
  -- Set when Sightline disabled a failing endpoint; cleared when the partner enables it again.
  disabled_reason TEXT,
  disabled_at TEXT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  failing_since TEXT,
  low_credit_threshold_percent INTEGER NOT NULL DEFAULT 10,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (partner_id, channel)
) WITHOUT ROWID;

-- One row per event and endpoint. The id is derived from the event id, so emitting
-- the same event twice (a queue replay) inserts nothing new.
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('identification', 'billing')),
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  organization_id TEXT,
  -- What is known when the event is emitted; `payload` is the exact body sent, fixed at the first attempt.
  data TEXT NOT NULL,
  payload TEXT,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_status_code INTEGER,
  last_error TEXT,
  first_attempt_at TEXT,
  next_attempt_at TEXT,
  lease_until TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT
);
CREATE INDEX webhook_deliveries_by_partner ON webhook_deliveries (partner_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (status, next_attempt_at);

-- Every attempt of a delivery, for the delivery log.
CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
  attempt INTEGER NOT NULL,
  url TEXT NOT NULL,
  started_at TEXT NOT NULL,
  status_code INTEGER,
  error TEXT,
  latency_ms INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
) WITHOUT ROWID;
