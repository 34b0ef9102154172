-- Partners' custom domains as custom hostnames of the platform's Cloudflare for SaaS zone: what
-- Cloudflare last said about each (worker/custom-hostnames/). One row per host name, whoever claims
-- it (claims may overlap until one partner verifies the domain); a row no partner claims any more is
-- deleted at Cloudflare, then here.
CREATE TABLE custom_hostnames (
  hostname TEXT PRIMARY KEY,
  -- Cloudflare's id; NULL until Cloudflare has created it (refused for now, e.g. over quota).
  cloudflare_id TEXT UNIQUE,
  -- Ours: creating (no Cloudflare id yet), pending, active (status and ssl.status both active),
  -- failed (Cloudflare gave up, or creating never succeeded), deleting (no claim left).
  state TEXT NOT NULL CHECK (state IN ('creating', 'pending', 'active', 'failed', 'deleting')),
  -- As Cloudflare last reported them (NULL before it did).
  status TEXT,
  ssl_status TEXT,
  -- JSON: [{ type, name, value }], the ownership TXT and the certificate validation records.
  validation_records TEXT NOT NULL DEFAULT '[]',
  -- JSON: [string], Cloudflare's verification and validation errors, or why creating failed.
  errors TEXT NOT NULL DEFAULT '[]',
  -- Checks since the last change of state or the last manual check: the backoff of the cron.
  checks INTEGER NOT NULL DEFAULT 0,
  next_check_at TEXT,
  checked_at TEXT,
  -- When it last became active (events name an activation by it); when it failed.
  active_at TEXT,
  failed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX custom_hostnames_due ON custom_hostnames (next_check_at) WHERE next_check_at IS NOT NULL;

-- Which partners claim a host (verified or not): the host routing and the hostname lifecycle ask.
CREATE INDEX partners_by_script_domain ON partners (script_domain) WHERE script_domain IS NOT NULL;
