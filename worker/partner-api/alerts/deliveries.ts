import { createRoute, z } from "@hono/zod-openapi";
import { deliveryLogPage, findAlertRule } from "../../alerts/queries";
import { AlertDeliverySchema } from "../../alerts/schemas";
import { invalidField } from "../../lib/errors";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { CursorFields, CursorQuery, PageFields, PageQuery, pageOf } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { AlertParams } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/alerts/{alertId}/deliveries",
  summary: "The alert's delivery log, newest first: one entry per message to a channel",
  description: "Kept 30 days. `total` is counted up to 10,000; page on with `cursor` (each page's `nextCursor`).",
  request: { params: AlertParams, query: z.object({ ...PageQuery, ...CursorQuery }) },
  responses: {
    200: jsonResponse(
      "A page of deliveries",
      z.object({ deliveries: z.array(AlertDeliverySchema), ...PageFields, ...CursorFields }),
    ),
    ...commonErrors,
  },
});

export const listAlertDeliveriesRoute = createApi().openapi(route, async (c) => {
  const { organizationId, alertId } = c.req.valid("param");
  const query = c.req.valid("query");
  const { page, pageSize, offset } = pageOf(query);
  const db = c.var.tenant.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  await findAlertRule(db, organizationId, alertId);
  const found = await deliveryLogPage(db, alertId, { limit: pageSize, offset, cursor: query.cursor });
  if (!found) throw invalidField("cursor", "not a cursor of this list");
  return c.json({ ...found, page, pageSize }, 200);
});
