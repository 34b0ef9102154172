import { createRoute, z } from "@hono/zod-openapi";
import { listAlerts } from "../../alerts/queries";
import { createAlert } from "../../alerts/save";
import { AlertSchema, CreateAlertBody, MAX_ALERTS_PER_ORGANIZATION } from "../../alerts/schemas";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { OrganizationParams, PageFields, PageQuery, pageOf } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { saveContext } from "./context";
import { alertResponse } from "./schemas";

const path = "/organizations/{organizationId}/alerts";

const listRoute = createRoute({
  method: "get",
  operationId: "listAlerts",
  path,
  summary: "List the organization's alert rules, oldest first",
  request: { params: OrganizationParams, query: z.object(PageQuery) },
  responses: {
    200: jsonResponse("A page of alerts", z.object({ alerts: z.array(AlertSchema), ...PageFields })),
    ...commonErrors,
  },
});

const postRoute = createRoute({
  method: "post",
  operationId: "createAlert",
  path,
  summary: "Create an alert rule: Slack or Teams messages when a company is on the site",
  description:
    `A rule fires for an identified visitor (company, or person where consent allows) on its \`trigger\`, within the ` +
    `saved segment \`segmentId\` if set, at most once per visitor per \`cooldownHours\`; each channel gets one message ` +
    `within seconds of the hit. Alerts never cost credits. Channel URLs are stored encrypted and answered as a hint. ` +
    `Unknown fields are refused. At most ${MAX_ALERTS_PER_ORGANIZATION} alerts per organization (422 beyond).`,
  request: { params: OrganizationParams, body: jsonBody(CreateAlertBody) },
  responses: { 201: alertResponse("Created"), ...commonErrors, ...errorResponses(422) },
});

export const alertCollection = createApi()
  .openapi(listRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    const { page, pageSize, offset } = pageOf(c.req.valid("query"));
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    const { alerts, total } = await listAlerts(c.var.tenant.DB, organizationId, pageSize, offset);
    return c.json({ alerts, total, page, pageSize }, 200);
  })
  .openapi(postRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    const alert = await createAlert(c.var.tenant, saveContext(c, organizationId), c.req.valid("json"));
    return c.json({ alert }, 201);
  });
