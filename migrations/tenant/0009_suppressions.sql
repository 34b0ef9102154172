-- People a partner asked us never to identify or charge again, in any of its organizations: the SHA-256
-- of their email, as the pixel's identify call sends it (docs/privacy.md). The hits consumer reads it
-- once per batch; a suppressed hash counts as `suppressed` in usage_daily and leaves no visitor.
CREATE TABLE suppressions (
  partner_id TEXT NOT NULL,
  email_sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (partner_id, email_sha256)
) WITHOUT ROWID;
CREATE INDEX suppressions_by_time ON suppressions (partner_id, created_at DESC, email_sha256 DESC);
