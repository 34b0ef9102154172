-- Where the rolling comparison of KV pixel records with D1 stopped (one row per sweep; docs/operations.md).
CREATE TABLE sweeps (name TEXT PRIMARY KEY, cursor TEXT NOT NULL) WITHOUT ROWID;
