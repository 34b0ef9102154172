/**
 * Bytes kept in local SQLite files (node:sqlite, `dbstat` per table and index): D1's databases (the
 * catalog and every shard, added up) and every credit counter's (one file per Durable Object).
 * Used on the bench's own state and on `npm start`'s (`.wrangler/state`).
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { d1Bindings } from "../scripts/lib.ts";

export interface FileSize {
  /** page_count × page_size: the file. */
  bytes: number;
  /** Pages in use (the file less its free list). */
  used: number;
  /** Bytes per table or index (dbstat: pages in use by it). */
  tables: Record<string, number>;
}

async function sqliteFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".sqlite")) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

function measureFile(path: string): FileSize {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const pragma = (name: string) => (db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[name]!;
    const pageSize = pragma("page_size");
    const pages = pragma("page_count");
    const free = pragma("freelist_count");
    const rows = db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as {
      name: string;
      bytes: number;
    }[];
    return {
      bytes: pages * pageSize,
      used: (pages - free) * pageSize,
      tables: Object.fromEntries(rows.map((r) => [r.name, r.bytes])),
    };
  } finally {
    db.close();
  }
}

/** The D1 databases' files (catalog and every shard, added up), and every credit counter's (one SQLite file per Durable Object). */
export async function snapshot(dir: string) {
  const files = await sqliteFiles(dir);
  const objects = files.filter((f) => !f.endsWith("metadata.sqlite"));
  const d1 = objects.filter((f) => f.includes("D1DatabaseObject"));
  const counters = objects.filter((f) => f.includes("CreditCounter"));
  const databases = d1Bindings();
  if (d1.length !== databases.length)
    throw new Error(`expected a D1 file for each of ${databases.join(", ")} (wrangler.toml), found ${d1.length}`);
  const total: FileSize = { bytes: 0, used: 0, tables: {} };
  for (const size of d1.map(measureFile)) {
    total.bytes += size.bytes;
    total.used += size.used;
    for (const [name, bytes] of Object.entries(size.tables)) total.tables[name] = (total.tables[name] ?? 0) + bytes;
  }
  return { d1: total, counters: new Map(counters.map((f) => [f, measureFile(f)])) };
}

export type Snapshot = Awaited<ReturnType<typeof snapshot>>;

export const growth = (before: Snapshot, after: Snapshot) => {
  const tables: Record<string, number> = {};
  for (const [name, bytes] of Object.entries(after.d1.tables)) tables[name] = bytes - (before.d1.tables[name] ?? 0);
  let counters = 0;
  for (const [file, size] of after.counters) counters += size.used - (before.counters.get(file)?.used ?? 0);
  return { d1: after.d1.used - before.d1.used, d1File: after.d1.bytes - before.d1.bytes, tables, counters };
};

/** Groups of D1 tables and indexes, as the report shows them. */
const GROUPS: [string, RegExp][] = [
  ["visitors (row, indexes, search terms)", /^(visitors|visitors_by_|sqlite_autoindex_visitors|visitor_search)/],
  ["sessions", /^(sessions|sessions_by_)/],
  ["page views", /^page_views/],
  ["receipts of charges", /^charges/],
  ["device rows (deleted the day after)", /^device_days/],
  ["daily rollups", /^usage_daily/],
  [
    "ledger mirror (ledger_entries, organization_periods)",
    /^(ledger_entries|organization_periods|sqlite_autoindex_ledger)/,
  ],
  ["organization key", /^(organization_keys|sqlite_autoindex_organization_keys)/],
];

export function grouped(tables: Record<string, number>) {
  const out = new Map<string, number>(GROUPS.map(([g]) => [g, 0]));
  let other = 0;
  for (const [name, bytes] of Object.entries(tables)) {
    const group = GROUPS.find(([, re]) => re.test(name));
    if (group) out.set(group[0], out.get(group[0])! + bytes);
    else other += bytes;
  }
  out.set("everything else", other);
  return out;
}
