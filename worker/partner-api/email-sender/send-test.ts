import { createRoute, z } from "@hono/zod-openapi";
import { countRecentAudit, recordAudit } from "../../audit/queries";
import { sendMail } from "../../email/send";
import { loadSender } from "../../email/senders";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { brandOf } from "../../insights/brand/queries";
import { isoSeconds } from "../../lib/time";
import { requireScope } from "../auth";
import { MailDeliverySchema } from "./schemas";

/** Test mails go to any address the caller names: a few an hour are enough to check a setup. */
export const TEST_MAILS_PER_HOUR = 20;

const route = createRoute({
  method: "post",
  path: "/email-sender/test",
  summary: "Send a test e-mail now and answer what became of it (admin scope)",
  description: `Sends one e-mail in your brand to \`to\`, as every other e-mail goes out (your own sender when set, else the platform's sender under your name), and waits for the server's answer: \`delivered\`, or \`failed\` with the step and the server's reply. At most ${TEST_MAILS_PER_HOUR} test e-mails per hour (429).`,
  middleware: [requireScope("admin")] as const,
  request: {
    body: jsonBody(
      z
        .object({ to: z.email().max(254) })
        .strict()
        .openapi("EmailSenderTest"),
    ),
  },
  responses: {
    200: jsonResponse("What became of the test e-mail", z.object({ delivery: MailDeliverySchema })),
    ...commonErrors,
    ...errorResponses(429),
  },
});

export const testEmailSender = createApi().openapi(route, async (c) => {
  const { to } = c.req.valid("json");
  const partnerId = c.get("partnerId");
  const db = c.var.tenant.DB;
  const hourAgo = isoSeconds(Date.now() - 3600_000);
  if ((await countRecentAudit(db, partnerId, "email_sender.tested", hourAgo)) >= TEST_MAILS_PER_HOUR) {
    throw new ApiError("RateLimited", `At most ${TEST_MAILS_PER_HOUR} test e-mails per hour`, {
      limit: TEST_MAILS_PER_HOUR,
      retryAfter: 3600,
    });
  }
  const [brand, own] = await Promise.all([brandOf(c.env.CATALOG, partnerId), loadSender(db, partnerId)]);
  const outcome = await sendMail(c.env, {
    partnerId,
    organizationId: null,
    kind: "sender_test",
    to,
    requestUrl: c.req.url,
    content: {
      subject: `Test e-mail from ${brand!.name}`,
      heading: "Your e-mail settings work",
      paragraphs: [
        `This test e-mail reached you, so e-mail from ${brand!.name} goes out as it should.`,
        "Notices, dashboard links, alerts and digests look like this: your name, your colours, your logo.",
      ],
      sections: [
        {
          facts: own
            ? [
                { label: "From", value: `${own.fromName} <${own.fromAddress}>` },
                { label: "Server", value: `${own.smtp.host}:${own.smtp.port} (${own.smtp.security})` },
              ]
            : [{ label: "From", value: `${brand!.name}, through the default sender` }],
        },
      ],
      reason: `You get this e-mail because someone at ${brand!.name} sent a test to this address.`,
    },
  });
  await recordAudit(db, {
    partnerId,
    organizationId: null,
    action: "email_sender.tested",
    actor: { type: "api_key", id: c.get("apiKeyId") },
    details: { to, status: outcome.status },
  });
  return c.json({ delivery: { to, ...outcome } }, 200);
});
