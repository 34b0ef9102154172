import { createRoute, z } from "@hono/zod-openapi";
import { AlertDeliverySchema } from "../../alerts/schemas";
import { testAlert } from "../../alerts/test-send";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { findOrganization } from "../../organizations/organization";
import { AlertParams } from "./schemas";

const route = createRoute({
  method: "post",
  path: "/organizations/{organizationId}/alerts/{alertId}/test",
  summary: "Send a sample alert to every channel now and answer each channel's outcome",
  description:
    "A made-up company under the rule's name goes to each channel, disabled ones included (to check a fix), once: " +
    "no retry, and a 404 or 410 does not disable the channel. Each send is in the delivery log with `test: true`.",
  request: { params: AlertParams },
  responses: {
    200: jsonResponse("One delivery per channel", z.object({ deliveries: z.array(AlertDeliverySchema) })),
    ...commonErrors,
  },
});

export const testAlertRoute = createApi().openapi(route, async (c) => {
  const { organizationId, alertId } = c.req.valid("param");
  await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
  return c.json({ deliveries: await testAlert(c.var.tenant, organizationId, alertId) }, 200);
});
