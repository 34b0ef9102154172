/**
 * The demo's alerts and digests (docs/alerts.md), seeded through the partner API, idempotently: an
 * e-mail alert to the client whenever a company views the demo's pricing page, a daily digest to the
 * client and a weekly one to its boss, and one test digest mailed now, so that `.wrangler/mail/`
 * holds a digest to open from the first start (empty until the demo page has had a visit).
 */
import type { client } from "./seed-demo.ts";

export const DEMO_ALERT_NAME = "A company on the pricing page";
export const DEMO_BOSS = "boss@acme-widgets.example";

type PartnerClient = ReturnType<typeof client>;

export async function seedNotifications(
  partner: PartnerClient,
  organizationId: string,
  pixelKey: string,
  recipient: string,
  log: (line: string) => void,
): Promise<{ testDigest: string }> {
  const base = `/api/v1/partner/organizations/${organizationId}`;
  const alert = {
    name: DEMO_ALERT_NAME,
    trigger: "page_viewed",
    pages: [`/demo/${pixelKey}/pricing*`],
    cooldownHours: 24,
    channels: [{ type: "email", recipients: [recipient] }],
  };
  const { alerts } = await partner<{ alerts: { id: string; name: string }[] }>("GET", `${base}/alerts?pageSize=100`);
  const saved = alerts.find((a) => a.name === DEMO_ALERT_NAME);
  if (saved) await partner("PUT", `${base}/alerts/${saved.id}`, alert);
  else {
    await partner("POST", `${base}/alerts`, alert);
    log(`created the e-mail alert '${DEMO_ALERT_NAME}' to ${recipient}`);
  }
  await partner("PUT", `${base}/digests`, {
    recipients: [
      { email: recipient, frequency: "daily" },
      { email: DEMO_BOSS, frequency: "weekly" },
    ],
  });
  const { delivery } = await partner<{ delivery: { status: string; error: { message: string } | null } }>(
    "POST",
    `${base}/digests/test`,
    { to: recipient },
  );
  return { testDigest: delivery.error ? `${delivery.status}: ${delivery.error.message}` : delivery.status };
}
