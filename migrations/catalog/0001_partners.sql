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
  -- The tenant database (binding TENANT_<shard>) holding its organizations and everything under them,
  -- chosen when the partner is onboarded; a partner never moves (docs/operations.md#shards).
  shard INTEGER NOT NULL CHECK (shard >= 1),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- A custom script domain belongs to the partner that verified it; unverified claims may overlap
-- (nobody can squat a domain by claiming it first) and verifying releases everyone else's claim.
CREATE UNIQUE INDEX partners_verified_script_domain ON partners (script_domain) WHERE script_domain_verified = 1;
CREATE INDEX partners_script_domain_claims ON partners (script_domain_claimed_at) WHERE script_domain_verified = 0;
CREATE INDEX partners_by_shard ON partners (shard);

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
