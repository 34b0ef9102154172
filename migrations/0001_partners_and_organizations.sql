-- Partners (agencies, SaaS vendors) are onboarded by the operator.
CREATE TABLE partners (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  slug TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  company_name TEXT,
  support_email TEXT,
  logo_url TEXT,
  primary_color TEXT,
  secondary_color TEXT,
  script_domain TEXT,
  script_domain_verified INTEGER NOT NULL DEFAULT 0,
  script_domain_verified_at TEXT,
  -- An unverified claim lapses (cron); only verified domains are unique (index below).
  script_domain_claimed_at TEXT,
  domain_verification_token TEXT, -- the TXT token a partner publishes to prove it owns the domain
  global_name TEXT,
  email_preferences TEXT NOT NULL DEFAULT '{}', -- only the keys a partner set (JSON object of booleans)
  billing_mode TEXT NOT NULL CHECK (billing_mode IN ('credit_pool', 'external', 'usage_based')),
  billing_period TEXT NOT NULL CHECK (billing_period IN ('monthly', 'quarterly', 'annually')),
  billing_day_of_month INTEGER NOT NULL CHECK (billing_day_of_month BETWEEN 1 AND 28),
  credit_pool_total INTEGER NOT NULL DEFAULT 0 CHECK (credit_pool_total >= 0),
  max_organizations INTEGER,
  max_identifications_per_org INTEGER,
  -- usage_based only: the operator lets an allocation of 0 mean "counted, not capped" (else it
  -- means "up to max_identifications_per_org", or nothing without one).
  uncapped_usage INTEGER NOT NULL DEFAULT 0,
  -- JSON (worker/billing/period.ts `Schedule`): a changed billing period or day takes over at the
  -- end of the running period. NULL: billing_period and billing_day_of_month from the start.
  billing_schedule TEXT,
  -- How long identified visitors keep their story; the cron prunes what is older (docs/collect.md#retention).
  retention_days INTEGER NOT NULL DEFAULT 400,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- A custom script domain belongs to the partner that verified it; unverified claims may overlap
-- (nobody can squat a domain by claiming it first) and verifying releases everyone else's claim.
CREATE UNIQUE INDEX partners_verified_script_domain ON partners (script_domain) WHERE script_domain_verified = 1;
CREATE INDEX partners_script_domain_claims ON partners (script_domain_claimed_at) WHERE script_domain_verified = 0;

-- Partner API keys: only a SHA-256 of the secret is kept; key_prefix is shown and used for lookup.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  name TEXT NOT NULL,
  key_prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL DEFAULT '[]', -- JSON array; empty = full access
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  expires_at TEXT,
  last_used_at TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX api_keys_by_prefix ON api_keys (key_prefix);
CREATE INDEX api_keys_by_partner ON api_keys (partner_id, created_at);

-- Sub-organizations: the partner's clients. Never hard-deleted (status 'canceled').
CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners(id),
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
  partner_id TEXT NOT NULL REFERENCES partners(id),
  organization_id TEXT NOT NULL REFERENCES organizations(id),
  credits INTEGER NOT NULL,
  notes TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX credit_allocations_by_org ON credit_allocations (organization_id, created_at);
