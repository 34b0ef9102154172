import { createRoute, z } from "@hono/zod-openapi";
import { notFound } from "../../lib/errors";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { findErasure, toErasure } from "../../erasures/queries";
import { ErasureParams, ErasureSchema } from "../../erasures/schemas";

const route = createRoute({
  method: "get",
  path: "/erasures/{erasureId}",
  summary: "Follow a person's erasure",
  description:
    "`pending`, then `running`, then `completed` with the number of organizations where something was erased.",
  request: { params: ErasureParams },
  responses: {
    200: jsonResponse("The erasure", z.object({ erasure: ErasureSchema })),
    ...commonErrors,
  },
});

export const getErasure = createApi().openapi(route, async (c) => {
  const erasure = await findErasure(c.var.tenant.DB, c.req.valid("param").erasureId, c.get("partnerId"));
  if (!erasure) throw notFound("Erasure");
  c.header("cache-control", "no-store");
  return c.json({ erasure: toErasure(erasure) }, 200);
});
