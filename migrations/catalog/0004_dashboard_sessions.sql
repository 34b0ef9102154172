-- Sign-in links and sessions of the client dashboard and the partner console (docs/dashboard.md): in
-- the catalog, because a cookie or a link is looked up before the partner (and its shard) is known.

-- Single-use sign-in links a partner's backend asks for. Only the SHA-256 of the token is kept.
-- organization_id NULL: a link to the partner's console.
CREATE TABLE sign_in_links (
  token_hash TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL REFERENCES partners(id),
  organization_id TEXT,
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
  organization_id TEXT, -- NULL: a console session
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
