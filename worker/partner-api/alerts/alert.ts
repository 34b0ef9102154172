import { createRoute } from "@hono/zod-openapi";
import { findAlert } from "../../alerts/queries";
import { deleteAlert, updateAlert } from "../../alerts/save";
import { UpdateAlertBody } from "../../alerts/schemas";
import { commonErrors, createApi, jsonBody } from "../../http/routes";
import { findOrganization } from "../../organizations/organization";
import { saveContext } from "./context";
import { AlertParams, alertResponse } from "./schemas";

const path = "/organizations/{organizationId}/alerts/{alertId}";

const getRoute = createRoute({
  method: "get",
  operationId: "getAlert",
  path,
  summary: "Get an alert rule",
  request: { params: AlertParams },
  responses: { 200: alertResponse("The alert"), ...commonErrors },
});

const putRoute = createRoute({
  method: "put",
  operationId: "updateAlert",
  path,
  summary: "Change an alert rule",
  description:
    "Only sent fields change. `channels` replaces the channels: an entry with the `id` of one of the alert's channels " +
    "keeps it (its URL and state), one with a `webhookUrl` is new. `enabled: true` also re-enables channels that were " +
    "disabled because their webhook answered 404 or 410. A new `trigger` drops the old one's `pages` or " +
    "`returnAfterDays` unless they are sent. Unknown fields are refused.",
  request: { params: AlertParams, body: jsonBody(UpdateAlertBody) },
  responses: { 200: alertResponse("The alert"), ...commonErrors },
});

const deleteRoute = createRoute({
  method: "delete",
  operationId: "deleteAlert",
  path,
  summary: "Delete an alert rule, its channels and its delivery log",
  request: { params: AlertParams },
  responses: { 204: { description: "Deleted" }, ...commonErrors },
});

export const alertItem = createApi()
  .openapi(getRoute, async (c) => {
    const { organizationId, alertId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    return c.json({ alert: await findAlert(c.var.tenant.DB, organizationId, alertId) }, 200);
  })
  .openapi(putRoute, async (c) => {
    const { organizationId, alertId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    const alert = await updateAlert(c.var.tenant, saveContext(c, organizationId), alertId, c.req.valid("json"));
    return c.json({ alert }, 200);
  })
  .openapi(deleteRoute, async (c) => {
    const { organizationId, alertId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    await deleteAlert(c.var.tenant, saveContext(c, organizationId), alertId);
    return c.body(null, 204);
  });
