import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { addSuppression } from "../../suppressions/queries";
import { SuppressionRequest, SuppressionSchema } from "../../suppressions/schemas";

const Answer = z.object({ suppression: SuppressionSchema });

const route = createRoute({
  method: "post",
  path: "/suppressions",
  summary: "Suppress a person: never identify or charge them again in any of your organizations",
  description:
    "From the next hits on, an identify call or page view carrying this email hash is counted as `suppressed` " +
    "and leaves no visitor, session, page view or charge. What was stored before stays until you erase it. " +
    "Suppressing a person already suppressed answers 200 with the existing suppression.",
  request: { body: jsonBody(SuppressionRequest) },
  responses: {
    201: jsonResponse("Suppressed", Answer),
    200: jsonResponse("Already suppressed", Answer),
    ...commonErrors,
  },
});

export const createSuppression = createApi().openapi(route, async (c) => {
  const { emailSha256 } = c.req.valid("json");
  const { suppression, created } = await addSuppression(c.var.tenant.DB, c.get("partnerId"), emailSha256);
  return created ? c.json({ suppression }, 201) : c.json({ suppression }, 200);
});
