import { configOf } from "../config";
import type { Env } from "../env";
import { isoSeconds } from "../lib/time";
import { signatureHeaders } from "../webhooks/sign";
import { databaseSizes, type DatabaseSize } from "./sizes";

/** An operator webhook waits this long for an answer; the next cron run tries again. */
const TIMEOUT_MS = 10_000;
/** Days of sent alarms remembered. */
const KEPT_DAYS = 30;

/**
 * H4's shard-size alarm (docs/operations.md#database-size-alarm), run by the cron: every database at or
 * past `SHARD_ALARM_PERCENT` of D1's limit (70 % by default, well before 80 %) is sent to the operator's
 * webhook (`OPERATOR_WEBHOOK_URL`) as a `database.size` event, once per database and UTC day (a failed
 * send is tried again at the next run). Without a URL it is logged only. Never throws.
 */
export async function alarmOnDatabaseSizes(env: Env, now = Date.now()): Promise<void> {
  try {
    const day = isoSeconds(now).slice(0, 10);
    await env.CATALOG.prepare("DELETE FROM database_alarms WHERE day < ?")
      .bind(isoSeconds(now - KEPT_DAYS * 86_400_000).slice(0, 10))
      .run();
    const over = (await databaseSizes(env)).filter((d) => d.alarm);
    if (over.length === 0) return;
    const { operatorWebhook } = configOf(env);
    for (const size of over) {
      console.error(`database ${size.database} at ${size.percentOfLimit} % of D1's limit (${size.bytes} bytes)`);
    }
    if (!operatorWebhook) return;
    const { results } = await env.CATALOG.prepare("SELECT database FROM database_alarms WHERE day = ?")
      .bind(day)
      .all<{ database: string }>();
    const sent = new Set(results.map((r) => r.database));
    for (const size of over.filter((d) => !sent.has(d.database))) {
      if (await send(operatorWebhook, size, day, now)) {
        await env.CATALOG.prepare(
          "INSERT OR IGNORE INTO database_alarms (database, day, bytes, sent_at) VALUES (?, ?, ?, ?)",
        )
          .bind(size.database, day, size.bytes, isoSeconds(now))
          .run();
      }
    }
  } catch (error) {
    console.error("database size alarm failed", error);
  }
}

/** One `database.size` event: a JSON POST, signed as partner webhooks are when the operator set a secret. */
async function send(
  webhook: { url: string; secret: string | null },
  size: DatabaseSize,
  day: string,
  now: number,
): Promise<boolean> {
  const id = `evt_database_size_${size.database}_${day}`;
  const body = JSON.stringify({ id, type: "database.size", createdAt: isoSeconds(now), ...size });
  try {
    const signed = webhook.secret ? await signatureHeaders(id, Math.floor(now / 1000), body, [webhook.secret]) : {};
    const response = await fetch(webhook.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Sightline-Operator/1", ...signed },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body?.cancel().catch(() => {});
    if (response.ok) return true;
    console.error(`operator webhook answered ${response.status} to database.size`);
  } catch (error) {
    console.error("operator webhook failed", error);
  }
  return false;
}
