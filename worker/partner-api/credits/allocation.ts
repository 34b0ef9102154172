import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { isoSeconds } from "../../lib/time";
import { requireScope } from "../auth";
import { AllocationSchema } from "./schemas";
import { OrganizationParams } from "../../http/schemas";
import { allocationRefused } from "../../organizations/pool";
import { setAllocation } from "../../organizations/allocation";

const SetCreditsBody = z
  .object({
    credits: z.number().int().min(0).openapi({ description: "The new allocation (not an increment)" }),
    notes: z.string().max(1000).optional(),
  })
  .openapi("SetCredits");

const route = createRoute({
  method: "put",
  path: "/organizations/{organizationId}/credits",
  summary: "Set a sub-organization's credit allocation (admin scope)",
  description:
    "Spends the partner's pool, so it needs the `admin` scope like every billing change. The partner's pool decides it, " +
    "then the organization's credit counter takes it, then D1 mirrors it with its version: racing calls end with one allocation everywhere.",
  middleware: [requireScope("admin")] as const,
  request: { params: OrganizationParams, body: jsonBody(SetCreditsBody) },
  responses: {
    200: jsonResponse("The new allocation", z.object({ allocation: AllocationSchema })),
    ...commonErrors,
    ...errorResponses(422),
  },
});

export const setOrganizationCredits = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const { credits, notes } = c.req.valid("json");
  const partnerId = c.get("partnerId");
  const result = await setAllocation(c.var.tenant, partnerId, organizationId, { credits, note: notes ?? null });
  if (!result.ok) throw allocationRefused(result);
  return c.json(
    {
      allocation: {
        id: result.allocationId!,
        partnerId,
        organizationId,
        creditsAllocated: credits,
        creditsUsed: result.balance!.used,
        creditsAvailable: result.balance!.available,
        allocatedAt: isoSeconds(),
        notes: notes ?? null,
      },
    },
    200,
  );
});
