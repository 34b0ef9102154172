-- A custom script domain belongs to the partner that verified it: only verified domains are unique.
-- Unverified claims may overlap (nobody can squat a domain by claiming it first) and expire
-- (`script_domain_claimed_at`); verifying a domain releases everyone else's claim to it.
ALTER TABLE partners ADD COLUMN script_domain_claimed_at TEXT;
UPDATE partners SET script_domain_claimed_at = updated_at WHERE script_domain IS NOT NULL;
DROP INDEX partners_script_domain;
CREATE UNIQUE INDEX partners_verified_script_domain ON partners (script_domain) WHERE script_domain_verified = 1;
CREATE INDEX partners_script_domain_claims ON partners (script_domain_claimed_at) WHERE script_domain_verified = 0;
