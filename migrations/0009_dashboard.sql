-- The client dashboard and the partner console (docs/dashboard.md).

-- Single-use sign-in links a partner's backend asks for. Only the SHA-256 of the token is kept.
-- organization_id NULL: a link to the partner's console.
CREATE TABLE sign_in_links (
  token_hash TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  organization_id TEXT REFERENCES organizations(id),
  email TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'admin', 'staff')),
  host TEXT NOT NULL, -- the host the link points to; it is valid there only
  expires_at TEXT NOT NULL,
  used_at TEXT,
  created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sign_in_links_by_expiry ON sign_in_links (expires_at);

-- Dashboard and console sessions. The cookie holds a secret; only its SHA-256 is kept here.
CREATE TABLE dashboard_sessions (
  id TEXT PRIMARY KEY, -- public id (dss_…), what the partner API lists and revokes
  secret_hash TEXT NOT NULL UNIQUE,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  organization_id TEXT REFERENCES organizations(id), -- NULL: a console session
  email TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('viewer', 'admin', 'staff')),
  host TEXT NOT NULL, -- the cookie is host-only; the session is refused on any other host
  opened_by TEXT, -- the console user who opened this client dashboard, if any
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL, -- absolute end; the idle end is last_seen_at + 12 h
  ended_at TEXT,
  end_reason TEXT CHECK (end_reason IN ('signed_out', 'revoked'))
);
CREATE INDEX dashboard_sessions_by_partner ON dashboard_sessions (partner_id, created_at DESC, id DESC);

-- What people and keys did through the dashboard, the console and the partner API.
CREATE TABLE audit_log (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners(id),
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
