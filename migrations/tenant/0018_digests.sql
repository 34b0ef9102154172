-- Digests (docs/alerts.md#digests) and the e-mail channel of alerts.

-- An organization's digest schedule: the hour (UTC) digests go out, the weekday (ISO 8601, 1 = Monday)
-- of weekly ones, and when the next daily and the next weekly digest are due (unix seconds; null
-- without a recipient of that frequency). The cron claims what is due and moves it on.
CREATE TABLE digest_settings (
  organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
  hour_utc INTEGER NOT NULL CHECK (hour_utc BETWEEN 0 AND 23),
  weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  daily_due INTEGER,
  weekly_due INTEGER,
  -- The origin the settings were saved through: digests link to the dashboard there, unless the
  -- partner has a verified domain or DASHBOARD_BASE_URL is set (worker/sessions/places.ts).
  dashboard_origin TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX digest_settings_daily_due ON digest_settings (daily_due) WHERE daily_due IS NOT NULL;
CREATE INDEX digest_settings_weekly_due ON digest_settings (weekly_due) WHERE weekly_due IS NOT NULL;

-- Who gets a digest, how often, and of which saved segment (null: every identified visitor). An
-- address (stored lower-cased) gets at most one daily and one weekly digest of an organization.
CREATE TABLE digest_recipients (
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  email TEXT NOT NULL,
  frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
  segment_id TEXT REFERENCES segments(id), -- a segment a digest reads is not deleted (409)
  position INTEGER NOT NULL,
  PRIMARY KEY (organization_id, email, frequency)
) WITHOUT ROWID;
CREATE INDEX digest_recipients_by_segment ON digest_recipients (segment_id) WHERE segment_id IS NOT NULL;

-- One recipient's digest of one period, claimed before it is sent: the key makes a second claim of
-- the same period (a cron or job run twice) a no-op, and a job holds the row (lease) while it sends.
-- Its period runs from the end of the recipient's previous digest of that frequency, at most one
-- period back, to `period_end`. Nothing of the content is stored: it is read when the mail is made.
CREATE TABLE digest_claims (
  organization_id TEXT NOT NULL,
  frequency TEXT NOT NULL,
  period_end INTEGER NOT NULL, -- unix seconds: when the digest was due
  email TEXT NOT NULL,
  period_start INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'skipped', 'failed')),
  reason TEXT, -- why it was skipped, or why the last attempt failed
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER, -- unix seconds: while 'sending', the job holding it; another may take over after
  created_at TEXT NOT NULL,
  sent_at TEXT,
  PRIMARY KEY (organization_id, frequency, period_end, email)
) WITHOUT ROWID;
CREATE INDEX digest_claims_by_recipient ON digest_claims (organization_id, email, frequency, period_end);
CREATE INDEX digest_claims_waiting ON digest_claims (created_at) WHERE status IN ('pending', 'sending');
CREATE INDEX digest_claims_by_age ON digest_claims (created_at);

-- An e-mail alert channel sends one message per recipient: each is its own delivery.
ALTER TABLE alert_deliveries ADD COLUMN recipient TEXT;
