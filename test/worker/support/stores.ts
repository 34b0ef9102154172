import { env } from "cloudflare:workers";
import { everyTenant } from "../../../worker/shards";

/** Whole-store reads for erasure tests: every row of every D1 table, every KV entry. */

/** Every row of every table of the catalog and every shard (D1's own and SQLite's internal tables left out), by table. */
export async function everyD1Row(): Promise<Map<string, unknown[]>> {
  const rows = new Map<string, unknown[]>();
  for (const db of [env.CATALOG, ...everyTenant(env).map((t) => t.DB)]) {
    const { results } = await db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'
           AND name NOT LIKE 'd1_%'`,
      )
      .all<{ name: string }>();
    for (const { name } of results) {
      if (name === "visitor_search") continue; // contentless: its rows live in its shadow tables, read below
      // A day's device rows are in a table of their own (worker/visitors/device-days.ts): one table to a reader.
      const table = name.replace(/^(device_days)_\d+$/, "$1");
      rows.set(table, [...(rows.get(table) ?? []), ...(await db.prepare(`SELECT * FROM "${name}"`).all()).results]);
    }
  }
  return rows;
}

/** The D1 tables holding a row whose JSON contains one of `texts`. */
export async function d1TablesMentioning(...texts: string[]): Promise<Record<string, unknown[]>> {
  const found: Record<string, unknown[]> = {};
  for (const [table, rows] of await everyD1Row()) {
    const hits = rows.filter((row) => texts.some((text) => JSON.stringify(row).includes(text)));
    if (hits.length > 0) found[table] = hits;
  }
  return found;
}

/** Every key and value of the pixels KV namespace. */
export async function everyKvEntry(): Promise<[string, string | null][]> {
  const entries: [string, string | null][] = [];
  let cursor: string | undefined;
  do {
    const page = await env.PIXELS.list({ cursor });
    for (const { name } of page.keys) entries.push([name, await env.PIXELS.get(name)]);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  return entries;
}
