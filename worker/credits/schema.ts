/** The counter's own SQLite tables (Durable Object storage), created on start. */
export function createCounterSchema(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS config (
      id INTEGER PRIMARY KEY CHECK (id = 1), organization_id TEXT NOT NULL, partner_id TEXT NOT NULL,
      billing_mode TEXT NOT NULL, schedule TEXT NOT NULL, allocation INTEGER NOT NULL,
      allocation_version INTEGER NOT NULL, active INTEGER NOT NULL, max_per_period INTEGER,
      uncapped_usage INTEGER NOT NULL, settings_version INTEGER NOT NULL,
      -- Set when a status route is about to disable the organization: nothing is charged until D1 says otherwise.
      held_at INTEGER);
    CREATE TABLE IF NOT EXISTS periods (
      start INTEGER PRIMARY KEY, end INTEGER NOT NULL, allocation INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0,
      adjusted INTEGER NOT NULL DEFAULT 0, expired INTEGER NOT NULL DEFAULT 0, closed_at INTEGER);
    -- One row per charge: who was charged in which period, by which event, and whether it was refunded.
    CREATE TABLE IF NOT EXISTS charged (
      period_start INTEGER NOT NULL, identity TEXT NOT NULL, event_id TEXT NOT NULL,
      refunded INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (period_start, identity)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS charged_by_event ON charged (event_id);
    -- Answers that a replay could otherwise get differently (no credit, disabled), for the redelivery window.
    CREATE TABLE IF NOT EXISTS events (
      event_id TEXT PRIMARY KEY, reason TEXT NOT NULL, period_start INTEGER NOT NULL, at INTEGER NOT NULL)
      WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS events_by_time ON events (at);
    -- Ledger entries until D1 has them (ledger_entries is the ledger of record once mirrored).
    CREATE TABLE IF NOT EXISTS ledger (
      id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, amount INTEGER NOT NULL,
      allocation INTEGER NOT NULL, balance_after INTEGER NOT NULL, period_start INTEGER NOT NULL, event_id TEXT,
      identity TEXT, note TEXT, details TEXT);
    -- Ledger entries not yet mirrored to D1 (written in the same transaction as the entry).
    CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY);
    -- 'expired' entries whose period.closed webhook is not handed over yet.
    CREATE TABLE IF NOT EXISTS notices (seq INTEGER PRIMARY KEY);
    -- Small counters, e.g. consecutive failed flushes (for the backoff).
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    -- Credits drawn from the partner's pool, per window of its budget (credits/leases.ts); \`acknowledged\` and
    -- \`reported\`: the returned and used figures the pool has confirmed.
    CREATE TABLE IF NOT EXISTS leases (
      start INTEGER PRIMARY KEY, end INTEGER NOT NULL, granted INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0,
      returned INTEGER NOT NULL DEFAULT 0, acknowledged INTEGER NOT NULL DEFAULT 0,
      reported INTEGER NOT NULL DEFAULT 0);
    -- The secret of forget(): erased identities stay in \`charged\` only as an HMAC under this key.
    CREATE TABLE IF NOT EXISTS erasure_key (id INTEGER PRIMARY KEY CHECK (id = 1), key TEXT NOT NULL);
    -- Operator adjustments by Idempotency-Key: a retry gets the first answer.
    CREATE TABLE IF NOT EXISTS adjustments (
      key TEXT PRIMARY KEY, request TEXT NOT NULL, entry TEXT NOT NULL) WITHOUT ROWID;
  `);
  addColumn(sql, "leases", "reported INTEGER NOT NULL DEFAULT 0");
}

/** The partner pool's own SQLite tables (credits/pool.ts). */
export function createPoolSchema(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS config (
      id INTEGER PRIMARY KEY CHECK (id = 1), partner_id TEXT NOT NULL, billing_mode TEXT NOT NULL,
      total INTEGER NOT NULL, max_per_organization INTEGER, active INTEGER NOT NULL, schedule TEXT NOT NULL);
    -- Every organization's allocation, its version (ascending, handed to the counter) and tier;
    -- \`pending\`: the version of a change whose counter call failed (the allocation stays reserved until settled).
    CREATE TABLE IF NOT EXISTS organizations (
      id TEXT PRIMARY KEY, allocation INTEGER NOT NULL, version INTEGER NOT NULL, tier TEXT NOT NULL,
      registered_at INTEGER NOT NULL, pending INTEGER) WITHOUT ROWID;
    -- The budget: per partner period, credits leased to counters and not given back; \`short\` once an
    -- organization's need could not be met (from then on leases carry no headroom).
    CREATE TABLE IF NOT EXISTS windows (
      start INTEGER PRIMARY KEY, end INTEGER NOT NULL, leased INTEGER NOT NULL, short INTEGER NOT NULL DEFAULT 0);
    -- Per organization and window, cumulative credits granted, given back and used as last reported (all only grow).
    CREATE TABLE IF NOT EXISTS grants (
      organization_id TEXT NOT NULL, start INTEGER NOT NULL, granted INTEGER NOT NULL, returned INTEGER NOT NULL,
      used INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (organization_id, start)) WITHOUT ROWID;
  `);
  addColumn(sql, "organizations", "pending INTEGER");
  addColumn(sql, "windows", "short INTEGER NOT NULL DEFAULT 0");
  addColumn(sql, "grants", "used INTEGER NOT NULL DEFAULT 0");
}

/** Adds a column that objects created before it lack (CREATE TABLE IF NOT EXISTS leaves their table as it was). */
function addColumn(sql: SqlStorage, table: string, definition: string): void {
  const name = definition.split(" ")[0]!;
  const columns = sql.exec<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`).toArray();
  if (!columns.some((c) => c.name === name)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${definition}`);
}
