import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";

/** Test helpers around an organization's credit counter (its Durable Object). */
export const counterOf = (organizationId: string) => env.CREDITS.get(env.CREDITS.idFromName(organizationId));
export type Stub = ReturnType<typeof counterOf>;

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
  const stub = counterOf(organizationId);
  await flushAll(stub);
  await dropAlarm(stub);
}
