/**
 * The consumer's device rows (docs/collect.md#devices-and-the-three-people-rule) live in one table per day
 * of a ring of three: a day's rows go to `device_days_<day mod 3>`, and the cron drops the table of the day
 * before yesterday whole instead of deleting its rows one by one, which D1 would bill as a row written
 * each. The view `device_days` shows the three for reads that are not the consumer's (erasures, exports,
 * tests); the consumer reads and writes the table of each row's day.
 */
export const DEVICE_DAY_TABLES = 3;

/** The table holding the device rows of `day` (days since 1970-01-01). */
export const deviceDayTable = (day: number) => `device_days_${day % DEVICE_DAY_TABLES}`;

/** Every device-row table, for statements that must reach all of them. */
export const deviceDayTables = () => Array.from({ length: DEVICE_DAY_TABLES }, (_, n) => `device_days_${n}`);

/** Groups of rows by the table of their day. */
export function byDeviceDayTable<T>(rows: T[], day: (row: T) => number): Map<string, T[]> {
  return Map.groupBy(rows, (row) => deviceDayTable(day(row)));
}

/** A device-row table as migration 0021_device_day_partitions.sql creates it. */
const createTable = (table: string) => `CREATE TABLE ${table} (
  day INTEGER NOT NULL,
  org INTEGER NOT NULL,
  device TEXT NOT NULL,
  version INTEGER NOT NULL,
  last INTEGER NOT NULL,
  seen TEXT NOT NULL,
  visits TEXT,
  people TEXT,
  PRIMARY KEY (day, org, device)
) WITHOUT ROWID`;

/**
 * Empties the table tomorrow's rows go to, which holds those of the day before yesterday: dropped and
 * made again in one transaction, once a day (a cron run that finds it holding no older day does nothing).
 * A consumer never waits on it: the rows of today and yesterday are in the other two. Rows of older days
 * that a late redelivery wrote into those two (rare: the queue keeps messages four days) are deleted one
 * by one. Returns the rows removed (counted by reading them: D1 bills a row read a thousandth of a row
 * written).
 */
export async function dropPastDeviceDays(db: D1Database, today: number): Promise<number> {
  const table = deviceDayTable(today + 1);
  const past = await db
    .prepare(`SELECT count(*) AS n FROM ${table} WHERE day < ?`)
    .bind(today - 1)
    .first<{ n: number }>();
  if (past?.n) await db.batch([db.prepare(`DROP TABLE ${table}`), db.prepare(createTable(table))]);
  const strays = await db.batch(
    [deviceDayTable(today), deviceDayTable(today - 1)].map((t) =>
      db.prepare(`DELETE FROM ${t} WHERE day < ?`).bind(today - 1),
    ),
  );
  return (past?.n ?? 0) + strays.reduce((n, r) => n + r.meta.changes, 0);
}
