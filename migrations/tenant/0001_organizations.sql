-- Sub-organizations: the partner's clients. Never hard-deleted (status 'canceled').
CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL,
  name TEXT NOT NULL,
  external_id TEXT,
  owner_user_id TEXT,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'canceled')),
  tier TEXT NOT NULL DEFAULT 'trial' CHECK (tier IN ('trial', 'paid')),
  product_type TEXT NOT NULL DEFAULT 'B2B' CHECK (product_type IN ('B2B', 'B2C')),
  billing_period TEXT NOT NULL CHECK (billing_period IN ('monthly', 'quarterly', 'annually')),
  billing_day_of_month INTEGER NOT NULL CHECK (billing_day_of_month BETWEEN 1 AND 28),
  credits INTEGER NOT NULL DEFAULT 0 CHECK (credits >= 0), -- current allocation
  metadata TEXT NOT NULL DEFAULT '{}',
  -- The allocation's version, written by the partner's credit pool and the counter's flush: an
  -- older version never overwrites a newer one (docs/billing.md).
  credits_version INTEGER NOT NULL DEFAULT 0,
  -- Version of what the counter and the KV pixel record copy (status, pixel and partner settings),
  -- raised with every change; synced_version is the version both copies have. The reconciliation
  -- syncs every organization whose copies are behind (docs/operations.md).
  sync_version INTEGER NOT NULL DEFAULT 1,
  synced_version INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE UNIQUE INDEX organizations_external_id ON organizations (partner_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX organizations_by_partner ON organizations (partner_id, status, created_at);
CREATE INDEX organizations_unsynced ON organizations (id) WHERE synced_version < sync_version;

-- One pixel per organization. The hot path reads a copy of this from KV.
CREATE TABLE pixels (
  organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
  api_key TEXT NOT NULL UNIQUE,
  allowed_referrers TEXT NOT NULL DEFAULT '[]', -- JSON array of hosts / *.suffix
  respect_privacy_signals INTEGER NOT NULL DEFAULT 1, -- honour DNT / GPC
  hash_routing INTEGER NOT NULL DEFAULT 0,
  consent_mode TEXT NOT NULL DEFAULT 'personal' CHECK (consent_mode IN ('personal', 'all', 'off')), -- docs/pixel.md
  proxy_secret TEXT, -- sealed (worker/lib/sealing.ts); signs the visitor address a first-party proxy forwards (docs/first-party.md)
  proxy_secret_created_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Every allocation a partner set, for audit (the credit counter keeps the same in its ledger).
CREATE TABLE credit_allocations (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL,
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  credits INTEGER NOT NULL,
  notes TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX credit_allocations_by_org ON credit_allocations (organization_id, created_at);
