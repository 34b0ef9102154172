import { describe, expect, it } from "vitest";
import type { Alert, AlertDelivery } from "../../worker/alerts/schemas";
import { DeliveryLog } from "../../worker/dashboard/client/notifications/alert-parts";

/** The delivery log of the Notifications page: what a client reads in its Error column. */

const alert: Alert = {
  id: "alr_1",
  organizationId: "org_1",
  name: "Pricing",
  trigger: "page_viewed",
  segmentId: null,
  pages: ["/pricing*"],
  returnAfterDays: null,
  cooldownHours: 24,
  channels: [
    {
      id: "chn_s",
      type: "slack",
      hint: "hooks.slack.com …AbCd",
      recipients: null,
      disabledReason: null,
      disabledAt: null,
    },
  ],
  enabled: true,
  createdAt: "2026-12-01T00:00:00Z",
  updatedAt: "2026-12-01T00:00:00Z",
};

const delivery = (status: AlertDelivery["status"], statusCode: number | null, error: string | null): AlertDelivery => ({
  id: `ald_${status}`,
  channel: { id: "chn_s", type: "slack" },
  trigger: "page_viewed",
  test: false,
  visitorId: "vis_1",
  recipient: null,
  status,
  attempts: 1,
  statusCode,
  error,
  createdAt: "2026-12-01T10:00:00Z",
  sentAt: status === "sent" ? "2026-12-01T10:00:01Z" : null,
});

/** The Error cell (the last one) of each row of the rendered log. */
function errorCells(deliveries: AlertDelivery[]): string[] {
  const html = String(
    DeliveryLog({ alert, deliveries, total: deliveries.length, companyHref: (id) => `/c/${id}`, pages: {} }),
  );
  return [...html.matchAll(/<tr>(?:(?!<\/tr>)[\s\S])*?<td class="path">([^<]*)<\/td><\/tr>/g)].map((m) => m[1]!);
}

describe("the delivery log", () => {
  it("shows no error for a message Slack accepted, and the status of one it refused", () => {
    expect(
      errorCells([
        delivery("sent", 200, null),
        delivery("failed", 410, null),
        delivery("pending", 503, "HTTP 503; retrying in 10 s"),
      ]),
    ).toEqual(["", "HTTP 410", "HTTP 503; retrying in 10 s"]);
  });
});
