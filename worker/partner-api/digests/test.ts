import { createRoute, z } from "@hono/zod-openapi";
import { DIGEST_TESTS_PER_HOUR, sendDigestTest } from "../../digests/preview";
import { DigestTestRequest } from "../../digests/schemas";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { OrganizationParams } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { requireScope } from "../auth";
import { MailDeliverySchema } from "../email-sender/schemas";
import { digestContext } from "./schemas";

const route = createRoute({
  method: "post",
  path: "/organizations/{organizationId}/digests/test",
  summary: "Mail a digest of the last day (or week) to an address now and answer what became of it (admin scope)",
  description:
    "Sent as every digest goes (branded, with one-click unsubscribe), even for an empty period, its subject marked " +
    "`Test:`; waits for the mail server's answer. Recorded in the audit log as `digests.tested`. At most " +
    `${DIGEST_TESTS_PER_HOUR} test digests per hour (429).`,
  middleware: [requireScope("admin")] as const,
  request: { params: OrganizationParams, body: jsonBody(DigestTestRequest) },
  responses: {
    200: jsonResponse("What became of the test digest", z.object({ delivery: MailDeliverySchema })),
    ...commonErrors,
    ...errorResponses(429),
  },
});

export const testDigest = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
  const input = c.req.valid("json");
  const outcome = await sendDigestTest(c.var.tenant, digestContext(c, organizationId), input);
  return c.json({ delivery: { to: input.to, ...outcome } }, 200);
});
