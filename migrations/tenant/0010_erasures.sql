-- A person's erasure across a partner's organizations (DELETE /partner/people/{emailSha256}), run on the
-- jobs queue one page of organizations at a time (worker/erasures/person.ts). The email hash is kept only
-- while the erasure runs: it becomes NULL when the erasure completes (docs/privacy.md).
CREATE TABLE erasures (
  id TEXT PRIMARY KEY,
  partner_id TEXT NOT NULL,
  email_sha256 TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed')),
  -- Organizations where something of the person was erased so far.
  organizations INTEGER NOT NULL DEFAULT 0,
  -- Cursor: the next page of organizations starts after this organization id (NULL = from the first).
  after TEXT,
  -- Who asked, for the audit entry written on completion.
  actor_type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_email TEXT,
  created_at TEXT NOT NULL,
  -- Last progress: an erasure not completed that made none for a while is sent to the queue again by the cron.
  updated_at TEXT NOT NULL,
  completed_at TEXT
);
CREATE INDEX erasures_unfinished ON erasures (updated_at) WHERE status != 'completed';
