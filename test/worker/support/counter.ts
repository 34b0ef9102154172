import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { shardedName, type Shard } from "../../../worker/shards";
import { organizationTenant } from "./partners";

/** The real namespace, taken before any test puts faults in front of it (support/env-faults.ts). */
const CREDITS = env.CREDITS;

/** Test helpers around an organization's credit counter (its Durable Object). */
export const counterStub = (organizationId: string, shard: Shard) =>
  CREDITS.get(CREDITS.idFromName(shardedName(shard, organizationId)));
export type Stub = ReturnType<typeof counterStub>;

/** The counter of an organization of any shard (one D1 has not, e.g. a made-up id: shard 1's). */
export async function counterOf(organizationId: string): Promise<Stub> {
  return counterStub(organizationId, (await organizationTenant(organizationId))?.SHARD ?? 1);
}

export const outboxSize = (stub: Stub) =>
  runInDurableObject(
    stub,
    (_, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n,
  );

/** Runs the counter's alarm until its outbox is empty (the alarm is what mirrors it to D1). */
export async function flushAll(stub: Stub) {
  for (let i = 0; i < 20 && (await outboxSize(stub)) > 0; i++) await runDurableObjectAlarm(stub);
  expect(await outboxSize(stub)).toBe(0);
}

/** Alarms survive the test: leave none behind. */
export const dropAlarm = (stub: Stub) => runInDurableObject(stub, (_, state) => state.storage.deleteAlarm());

/** Mirrors the organization's counter to D1 now, and leaves no alarm behind. */
export async function flushCounter(organizationId: string) {
  const stub = await counterOf(organizationId);
  await flushAll(stub);
  await dropAlarm(stub);
}

/** Every row of every table of the counter's SQL storage, and its key-value entries, by table. */
export const counterStorage = async (organizationId: string) =>
  runInDurableObject(await counterOf(organizationId), async (_, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
      )
      .toArray();
    const rows = new Map<string, unknown[]>(
      tables.map(({ name }) => [name, sql.exec(`SELECT * FROM "${name}"`).toArray()]),
    );
    rows.set("(key-value)", [...(await state.storage.list()).entries()]);
    return rows;
  });

/** The counter's tables holding a row that mentions `text`. */
export async function counterTablesMentioning(organizationId: string, text: string) {
  const found: Record<string, unknown[]> = {};
  for (const [table, rows] of await counterStorage(organizationId)) {
    const hits = rows.filter((row) => JSON.stringify(row).includes(text));
    if (hits.length > 0) found[table] = hits;
  }
  return found;
}
