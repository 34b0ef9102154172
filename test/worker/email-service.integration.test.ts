import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fetchWith } from "./support/api";
import { newPartner } from "./support/partners";
import { mailsTo, newRecipient } from "./support/mailbox";

/**
 * The platform's sender through Cloudflare Email Service's `send_email` binding (bound as EMAIL),
 * as workerd emulates it locally: it accepts or refuses as the binding's configuration says, and
 * delivers nothing, so what arrives at an inbox is not observable here (docs/alerts.md says so).
 */

async function testMailWith(overrides: Record<string, unknown>) {
  const { key } = await newPartner({ name: "Northwind" });
  const to = newRecipient();
  const res = await fetchWith(overrides, "/api/v1/partner/email-sender/test", {
    method: "POST",
    headers: { "x-partner-api-key": key, "content-type": "application/json" },
    body: JSON.stringify({ to }),
  });
  expect(res.status, res.text).toBe(200);
  return { to, delivery: res.body.delivery };
}

describe("the platform's sender through Email Service", () => {
  it("is used instead of the SMTP relay when EMAIL is bound", async () => {
    const { to, delivery } = await testMailWith({ EMAIL: env.TEST_EMAIL_SERVICE });
    expect(delivery).toMatchObject({ status: "delivered", messageId: expect.any(String), error: null });
    expect(await mailsTo(to)).toEqual([]);
  });

  it("reports what Email Service refuses, such as a sender the binding does not allow", async () => {
    const { to, delivery } = await testMailWith({ EMAIL: env.TEST_EMAIL_SERVICE, MAIL_FROM: "other@mail.test" });
    expect(delivery).toEqual({
      to,
      status: "failed",
      messageId: null,
      error: {
        step: "send",
        message: expect.stringMatching(/^Email Service refused the message: .*other@mail\.test not allowed/),
        reply: null,
      },
    });
  });
});
