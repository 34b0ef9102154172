import { createRoute, z } from "@hono/zod-openapi";
import { DEFAULT_LOW_CREDIT_PERCENT } from "../../../shared/webhooks";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { endpointView, loadEndpoints } from "../../webhooks/endpoints";
import { requireScope } from "../auth";
import { BillingEndpointSchema, IdentificationEndpointSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/webhooks",
  summary: "Get the webhook configuration (admin scope); secrets are never returned",
  middleware: [requireScope("admin")] as const,
  responses: {
    200: jsonResponse(
      "Both webhooks",
      z.object({ identification: IdentificationEndpointSchema, billing: BillingEndpointSchema }),
    ),
    ...commonErrors,
  },
});

export const getWebhooks = createApi().openapi(route, async (c) => {
  const endpoints = await loadEndpoints(c.var.tenant.DB, c.get("partnerId"));
  const identification = endpoints.get("identification");
  const billing = endpoints.get("billing");
  return c.json(
    {
      identification: { ...endpointView(identification), companyVisited: identification?.company_visited === 1 },
      billing: {
        ...endpointView(billing),
        lowCreditThresholdPercent: billing?.low_credit_threshold_percent ?? DEFAULT_LOW_CREDIT_PERCENT,
      },
    },
    200,
  );
});
