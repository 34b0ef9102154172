-- H4's database size alarm (worker/capacity/alarm.ts): the databases the operator's webhook was told
-- about, once per database and UTC day while at or past SHARD_ALARM_PERCENT of D1's limit. The cron
-- forgets days older than 30.
CREATE TABLE database_alarms (
  database TEXT NOT NULL, -- 'catalog' or 'shard-<n>'
  day TEXT NOT NULL, -- YYYY-MM-DD
  bytes INTEGER NOT NULL, -- the size that was sent
  sent_at TEXT NOT NULL,
  PRIMARY KEY (database, day)
) WITHOUT ROWID;
