-- Custom script domain: the TXT token a partner publishes to prove they own the domain.
-- A domain can belong to one partner only (the script host decides whose script it serves).
ALTER TABLE partners ADD COLUMN domain_verification_token TEXT;
ALTER TABLE partners ADD COLUMN script_domain_verified_at TEXT;
CREATE UNIQUE INDEX partners_script_domain ON partners (script_domain) WHERE script_domain IS NOT NULL;

-- Email preferences: only the keys a partner set (JSON object of booleans); the rest take the defaults.
ALTER TABLE partners ADD COLUMN email_preferences TEXT NOT NULL DEFAULT '{}';

-- Per-organization overrides of the partner's email preferences (JSON object of booleans).
CREATE TABLE organization_email_preferences (
  organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
  overrides TEXT NOT NULL DEFAULT '{}',
  updated_at TEXT NOT NULL
);
