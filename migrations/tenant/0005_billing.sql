-- Billing: the D1 mirror of every organization's credit ledger, per-organization period
-- snapshots for renewal, daily usage rollups. See docs/billing.md.

-- Mirror of the ledgers kept by the credit counters (Durable Objects), written by their
-- outbox flush. Keyed by the organization's short key (organization_keys.key) and the counter's
-- seq, so a repeated flush inserts nothing twice; the API's entry id is '<organizationId>:<seq>'.
-- Rows are never updated (but for an erased identity): corrections are new entries.
CREATE TABLE ledger_entries (
  org INTEGER NOT NULL, -- organization_keys.key
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('period_opened', 'allocation_set', 'debit', 'expired', 'adjustment', 'refund')),
  credits INTEGER NOT NULL, -- signed change of the period's available credits
  allocation INTEGER NOT NULL, -- the period's allocation after this entry
  balance_after INTEGER NOT NULL, -- allocation - debits + refunds/adjustments - expiry, after this entry
  period_start INTEGER NOT NULL, -- unix seconds
  period_end INTEGER NOT NULL, -- unix seconds
  event_id TEXT, -- debit/refund: the identification (receipt) it belongs to
  identity_key TEXT,
  note TEXT,
  details TEXT, -- JSON, e.g. the period summary on 'expired'
  created_at INTEGER NOT NULL, -- unix seconds; a debit's is its receipt's `at`
  PRIMARY KEY (org, seq)
) WITHOUT ROWID;
-- A receipt's debit: charges (org, at, event_id) = (org, created_at, event_id). Time first (org
-- follows as part of the key): led by org, the planner would rather scan the organization's entries.
CREATE INDEX ledger_entries_debits ON ledger_entries (created_at) WHERE kind = 'debit';

-- Per organization, the earliest period its counter has not closed yet and its balance at
-- the last flush. The renewal cron picks organizations whose period_end has passed.
CREATE TABLE organization_periods (
  organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
  current_period_start TEXT NOT NULL,
  current_period_end TEXT NOT NULL,
  allocation INTEGER NOT NULL,
  used INTEGER NOT NULL,
  available INTEGER NOT NULL,
  last_seq INTEGER NOT NULL, -- newest ledger entry reflected here; older flushes never overwrite newer ones
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX organization_periods_by_end ON organization_periods (current_period_end);

-- The daily rollup of each organization's hits (UTC days), upserted by the queue consumer in the same
-- D1 batch as the hits it counts, each hit exactly once (docs/collect.md#counting). Kept as long as the
-- organization. The usage endpoints and the dashboard's overview read only this.
CREATE TABLE usage_daily (
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  day TEXT NOT NULL, -- YYYY-MM-DD
  events INTEGER NOT NULL DEFAULT 0, -- recorded hits (page views and identify calls, bots included)
  identifications INTEGER NOT NULL DEFAULT 0, -- hits that identified a visitor (charged or already charged)
  credits INTEGER NOT NULL DEFAULT 0, -- credits charged
  refunds INTEGER NOT NULL DEFAULT 0, -- credits refunded (booked on the day of the refund)
  page_views INTEGER NOT NULL DEFAULT 0, -- page views of people (bots left out)
  visitors INTEGER NOT NULL DEFAULT 0, -- distinct devices of people (daily hash of address and user agent)
  identified_visitors INTEGER NOT NULL DEFAULT 0, -- distinct identified companies or people seen that day
  new_visitors INTEGER NOT NULL DEFAULT 0, -- identified companies or people seen for the first time
  -- Outcomes of the hits that were not charged (charged ones are `credits`).
  already_charged INTEGER NOT NULL DEFAULT 0,
  no_credit INTEGER NOT NULL DEFAULT 0,
  not_identified INTEGER NOT NULL DEFAULT 0,
  bot INTEGER NOT NULL DEFAULT 0,
  excluded INTEGER NOT NULL DEFAULT 0,
  suspicious INTEGER NOT NULL DEFAULT 0,
  suppressed INTEGER NOT NULL DEFAULT 0, -- identify calls and page views of a person the partner suppressed
  referrer_not_allowed INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  late_engagements INTEGER NOT NULL DEFAULT 0, -- engagement hits whose page view never arrived
  last_hit INTEGER, -- unix seconds of the day's latest page view or identify call
  -- Top pages (paths) by page views and top sources (UTM source or referrer host, '' = direct) by
  -- visits: JSON objects of at most 50 entries; views that fell out of them are counted in other_*.
  pages TEXT NOT NULL DEFAULT '{}',
  other_pages INTEGER NOT NULL DEFAULT 0,
  sources TEXT NOT NULL DEFAULT '{}',
  other_sources INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (organization_id, day)
) WITHOUT ROWID;
CREATE INDEX usage_daily_by_day ON usage_daily (day);
