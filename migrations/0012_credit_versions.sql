-- One writer per balance: versions for what D1 mirrors of the credit counters and pools, and for
-- what the KV pixel records copy. See docs/billing.md (allocations, pool budget) and docs/collect.md
-- (consistency).

-- The allocation's version: written by the partner's credit pool and by the counter's flush; an
-- older version never overwrites a newer one.
ALTER TABLE organizations ADD COLUMN credits_version INTEGER NOT NULL DEFAULT 0;
-- Version of what the counter and the KV pixel record copy (status, pixel and partner settings):
-- raised with every change; synced_version is the version both copies have. The reconciliation
-- (cron, JOBS queue) syncs every organization whose copies are behind.
ALTER TABLE organizations ADD COLUMN sync_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE organizations ADD COLUMN synced_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX organizations_unsynced ON organizations (id) WHERE synced_version < sync_version;

-- usage_based only: the operator lets an allocation of 0 mean "counted, not capped" (else it means
-- "up to maxIdentificationsPerOrg", or nothing without one).
ALTER TABLE partners ADD COLUMN uncapped_usage INTEGER NOT NULL DEFAULT 0;
-- The partner's billing schedule (JSON, worker/billing/period.ts): a changed billing period or day
-- takes over at the end of the running period. NULL: billing_period and billing_day_of_month from the start.
ALTER TABLE partners ADD COLUMN billing_schedule TEXT;

-- Where the rolling comparison of KV pixel records with D1 stopped (one row per sweep).
CREATE TABLE sweeps (name TEXT PRIMARY KEY, cursor TEXT NOT NULL) WITHOUT ROWID;

-- Every organization has a period snapshot from its creation on, so the renewal finds it by its end;
-- organizations from before get one that is due at once.
INSERT INTO organization_periods (organization_id, current_period_start, current_period_end, allocation, used,
  available, last_seq, updated_at)
SELECT id, created_at, created_at, credits, 0, credits, 0, created_at FROM organizations
WHERE id NOT IN (SELECT organization_id FROM organization_periods);
