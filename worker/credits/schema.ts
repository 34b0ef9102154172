/** The counter's own SQLite tables (Durable Object storage), created on start. */
export function createCounterSchema(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS config (
      id INTEGER PRIMARY KEY CHECK (id = 1), organization_id TEXT NOT NULL, billing_mode TEXT NOT NULL,
      billing_period TEXT NOT NULL, billing_day INTEGER NOT NULL, anchor_month INTEGER NOT NULL,
      allocation INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS periods (
      start INTEGER PRIMARY KEY, end INTEGER NOT NULL, allocation INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0,
      adjusted INTEGER NOT NULL DEFAULT 0, expired INTEGER NOT NULL DEFAULT 0, closed_at INTEGER);
    CREATE TABLE IF NOT EXISTS charged (
      period_start INTEGER NOT NULL, identity TEXT NOT NULL, event_id TEXT NOT NULL, at INTEGER NOT NULL,
      PRIMARY KEY (period_start, identity)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS events (
      event_id TEXT PRIMARY KEY, reason TEXT NOT NULL, period_start INTEGER NOT NULL, at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS events_by_time ON events (at);
    CREATE TABLE IF NOT EXISTS ledger (
      id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, amount INTEGER NOT NULL,
      allocation INTEGER NOT NULL, balance_after INTEGER NOT NULL, period_start INTEGER NOT NULL, event_id TEXT,
      identity TEXT, note TEXT, details TEXT);
    CREATE INDEX IF NOT EXISTS ledger_by_event ON ledger (event_id) WHERE event_id IS NOT NULL;
    -- Ledger entries not yet mirrored to D1 (written in the same transaction as the entry).
    CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY);
    -- 'expired' entries whose period.closed webhook is not handed over yet.
    CREATE TABLE IF NOT EXISTS notices (seq INTEGER PRIMARY KEY);
    -- Small counters, e.g. consecutive failed flushes (for the backoff).
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  `);
}
