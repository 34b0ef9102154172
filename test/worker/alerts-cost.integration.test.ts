import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deliver, freshIp } from "./support/hits";
import { tenantOfOrganization } from "./support/partners";
import { chatChannel, createAlert, deliveriesOf, icpCompanyOnSite, saveSegment, visitOf } from "./support/alerts";

/**
 * What alerts cost the hits consumer (docs/alerts.md#cost): the real consumer, its tenant shard's D1
 * and the `NOTIFICATIONS` queue watched, recording every statement prepared and every message sent.
 */

type Call = (...args: unknown[]) => unknown;

/** `target` with `method` replaced by `around`, every other member as it is. */
function replacing<T extends object>(target: T, method: string, around: (call: Call) => Call): T {
  return new Proxy(target, {
    get(t, key) {
      const value = Reflect.get(t, key) as unknown;
      if (typeof value !== "function") return value;
      const bound = (value as Call).bind(t);
      return key === method ? around(bound) : bound;
    },
  });
}

/** The Worker's env with the organization's shard and the notification queue recording what the consumer asks of them. */
async function watched(organizationId: string) {
  const tenant = await tenantOfOrganization(organizationId);
  const statements: string[] = [];
  const sent: unknown[] = [];
  const db = replacing(tenant.DB, "prepare", (prepare) => (sql) => {
    statements.push(sql as string);
    return prepare(sql);
  });
  const queue = replacing(env.NOTIFICATIONS, "sendBatch", (sendBatch) => (messages) => {
    sent.push(...(messages as unknown[]));
    return sendBatch(messages);
  });
  const events = async () =>
    (
      await tenant.DB.prepare("SELECT coalesce(sum(events), 0) AS n FROM usage_daily WHERE organization_id = ?")
        .bind(organizationId)
        .first<{ n: number }>()
    )?.n ?? 0;
  return {
    env: { ...env, [`TENANT_${tenant.SHARD}`]: db, NOTIFICATIONS: queue } as typeof env,
    /** The statements that touched an alert table so far, and forgets them. */
    alertStatements: () =>
      statements.splice(0).filter((sql) => /\balert_(rules|channels|claims|deliveries)\b/.test(sql)),
    sent,
    events,
  };
}

describe("alerts: what they cost the hits consumer", () => {
  it(
    "an anonymous hit does no alert work: its batch reads and writes no alert table and queues nothing; an identified visitor's does",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite();
      const { receiver, channel } = chatChannel();
      const pricingViewers = await saveSegment(owner, { pages: ["/pricing*"] });
      const alerts = [
        await createAlert(owner, { name: "New company", trigger: "identified", channels: [channel] }),
        await createAlert(owner, {
          name: "Pricing",
          trigger: "page_viewed",
          pages: ["/pricing*"],
          channels: [channel],
        }),
        await createAlert(owner, { name: "Back", trigger: "returned", returnAfterDays: 1, channels: [channel] }),
        await createAlert(owner, {
          name: "Pricing viewers",
          trigger: "identified",
          segmentId: pricingViewers,
          channels: [channel],
        }),
      ];
      const watch = await watched(owner.organization.id);
      const now = Date.now();

      // Visitors nobody imported, on the page every alert above would fire on.
      const anonymous = Array.from({ length: 20 }, (_, i) => visitOf(owner, freshIp(), now + i, "/pricing"));
      await deliver(anonymous, { env: watch.env });
      expect(await watch.events()).toBe(20);
      expect(watch.alertStatements()).toEqual([]);
      expect(watch.sent).toEqual([]);

      // The same batch with the ICP company in it: rules, cooldowns, claims and deliveries, and its messages.
      await deliver(
        [
          ...anonymous.map((hit) => ({ ...hit, hit: { ...hit.hit, i: crypto.randomUUID() } })),
          visitOf(owner, owner.ip, now + 100, "/pricing"),
        ],
        {
          env: watch.env,
        },
      );
      expect(await watch.events()).toBe(41);
      expect(watch.alertStatements().join("\n")).toMatch(/alert_rules[\s\S]*alert_claims[\s\S]*alert_deliveries/);
      expect(watch.sent).toHaveLength(3);
      await receiver.waitFor(3);
      for (const alert of alerts.slice(0, 2)) expect(await deliveriesOf(owner, alert.id)).toHaveLength(1);
      expect(await deliveriesOf(owner, alerts[3]!.id)).toHaveLength(1);
    },
  );
});
