-- What people and keys did, and what a client excludes (docs/dashboard.md).

-- What people and keys did through the dashboard, the console and the partner API.
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL,
  organization_id TEXT REFERENCES organizations(id),
  action TEXT NOT NULL,
  actor_type TEXT NOT NULL CHECK (actor_type IN ('api_key', 'console_user', 'client_user')),
  actor_id TEXT NOT NULL, -- API key id or dashboard session id
  actor_email TEXT,
  details TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
);
CREATE INDEX audit_log_by_partner ON audit_log (partner_id, created_at DESC, id DESC);

-- Visitors an organization never wants identified or charged: its own office, its competitors.
CREATE TABLE organization_exclusions (
  organization_id TEXT PRIMARY KEY REFERENCES organizations(id),
  domains TEXT NOT NULL DEFAULT '[]', -- JSON array of host names (subdomains included)
  ip_ranges TEXT NOT NULL DEFAULT '[]', -- JSON array of canonical CIDRs
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
