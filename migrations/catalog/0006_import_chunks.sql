-- Operator imports (POST /admin/companies, /admin/people) stream their body: records are validated
-- and staged here chunk by chunk (a JSON array of up to 500 records each), and written to their
-- tables only once every record is valid. Rows live for one request; the cron drops leftovers.
CREATE TABLE import_chunks (
  import_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  records TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (import_id, seq)
) WITHOUT ROWID;
CREATE INDEX import_chunks_by_age ON import_chunks (created_at);
