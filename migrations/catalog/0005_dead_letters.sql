-- What reached a dead-letter queue: counts per queue, UTC day and kind, with the latest message
-- (truncated). One row per (queue, day, kind); the cron forgets days older than 30.
CREATE TABLE dead_letters (
  queue TEXT NOT NULL,
  day TEXT NOT NULL, -- YYYY-MM-DD
  kind TEXT NOT NULL, -- what the messages were, e.g. 'hit:v' or 'rejected'
  count INTEGER NOT NULL,
  organization_id TEXT, -- of the latest message, when it names one
  latest TEXT NOT NULL, -- the latest message's body, at most 1,000 characters
  PRIMARY KEY (queue, day, kind)
) WITHOUT ROWID;
