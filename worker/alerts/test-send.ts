import { randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import type { TenantEnv } from "../shards";
import { sampleContent } from "./content";
import { recipientsOf } from "./channels";
import { sendToChannel } from "./deliver";
import { findAlertRule, toAlertDelivery } from "./queries";
import type { AlertDeliveryRow } from "./deliver";

/**
 * `POST …/alerts/{alertId}/test`: a sample alert (a made-up company, the rule's name and trigger, a
 * link to the organization's companies) to every channel of the alert now, disabled ones included (that
 * is how a fix is checked before enabling again); each attempted once, logged with `test: true`, and
 * never disabling a channel; an e-mail channel mails each of its recipients. Returns each delivery.
 */
export async function testAlert(env: TenantEnv, organizationId: string, alertId: string) {
  const db = env.DB;
  const { rule, channels } = await findAlertRule(db, organizationId, alertId);
  const content = (await sampleContent(env, rule.id))!;
  const firing = `alt_${randomHex(16)}`;
  const targets = channels.flatMap((channel) =>
    (recipientsOf(channel) ?? [null]).map((recipient) => ({ channel, recipient })),
  );
  const rows = await Promise.all(
    targets.map(async ({ channel, recipient }) => {
      const result = await sendToChannel(env, channel, content, recipient);
      const retry =
        result.statusCode === 429 && result.retryAfter !== null ? `; retry after ${result.retryAfter} s` : "";
      const at = isoSeconds();
      return {
        id: `ald_${randomHex(16)}`,
        rule_id: rule.id,
        organization_id: organizationId,
        channel_id: channel.id,
        channel_type: channel.type,
        firing,
        trigger: rule.trigger,
        test: 1,
        visitor: null,
        session_start: null,
        recipient,
        status: result.ok ? "sent" : "failed",
        attempts: 1,
        status_code: result.statusCode,
        error: result.error === null ? null : `${result.error}${retry}`,
        lease_until: null,
        created_at: at,
        sent_at: result.ok ? at : null,
      } satisfies AlertDeliveryRow;
    }),
  );
  if (rows.length > 0) {
    await db
      .prepare(
        `INSERT INTO alert_deliveries (id, rule_id, organization_id, channel_id, channel_type, firing, trigger, test, status,
           attempts, status_code, error, created_at, sent_at, recipient)
         SELECT d.value ->> 0, ?2, ?3, d.value ->> 1, d.value ->> 2, ?4, ?5, 1, d.value ->> 3, 1, d.value ->> 4,
           d.value ->> 5, d.value ->> 6, d.value ->> 7, d.value ->> 8
         FROM json_each(?1) d`,
      )
      .bind(
        JSON.stringify(
          rows.map((r) => [
            r.id,
            r.channel_id,
            r.channel_type,
            r.status,
            r.status_code,
            r.error,
            r.created_at,
            r.sent_at,
            r.recipient,
          ]),
        ),
        rule.id,
        organizationId,
        firing,
        rule.trigger,
      )
      .run();
  }
  return rows.map(toAlertDelivery);
}
