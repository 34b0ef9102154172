import { createRoute } from "@hono/zod-openapi";
import { notFound } from "../../lib/errors";
import { commonErrors, createApi } from "../../http/routes";
import { removeSuppression } from "../../suppressions/queries";
import { SuppressionParams } from "../../suppressions/schemas";

const route = createRoute({
  method: "delete",
  path: "/suppressions/{emailSha256}",
  summary: "Lift a suppression: the person is identified and charged again from their next hits",
  request: { params: SuppressionParams },
  responses: { 204: { description: "Lifted" }, ...commonErrors },
});

export const deleteSuppression = createApi().openapi(route, async (c) => {
  const { emailSha256 } = c.req.valid("param");
  if (!(await removeSuppression(c.var.tenant.DB, c.get("partnerId"), emailSha256))) throw notFound("Suppression");
  return c.body(null, 204);
});
