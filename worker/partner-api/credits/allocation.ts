import { createRoute, z } from "@hono/zod-openapi";
import { counterFor } from "../../credits/counter-client";
import { ApiError } from "../../http/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { newId } from "../../lib/ids";
import { isoSeconds } from "../../lib/time";
import { hasPool, loadPartner } from "../../partners/partner";
import { AllocationSchema } from "./schemas";
import { OrganizationParams } from "../../http/schemas";
import {
  ALLOCATED_BY_OTHERS,
  POOL_TOTAL,
  checkPartnerCap,
  checkTrialLimit,
  insufficientCredits,
} from "../../organizations/pool";
import { findOrganization } from "../../organizations/organization";

const SetCreditsBody = z
  .object({
    credits: z.number().int().min(0).openapi({ description: "The new allocation (not an increment)" }),
    notes: z.string().max(1000).optional(),
  })
  .openapi("SetCredits");

const route = createRoute({
  method: "put",
  path: "/organizations/{organizationId}/credits",
  summary: "Set a sub-organization's credit allocation",
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
  const db = c.env.DB;
  const [org, partner] = await Promise.all([
    findOrganization(db, partnerId, organizationId),
    loadPartner(db, partnerId),
  ]);
  checkTrialLimit(org.tier, credits);
  checkPartnerCap(partner.max_identifications_per_org, credits);
  const counter = counterFor(c.env, organizationId);
  const before = await counter.balance();
  if (credits < before.used) throw belowUsed(credits, before.used);

  // The pool check is part of the update: concurrent allocations cannot oversubscribe the pool.
  const update = hasPool(partner.billing_mode)
    ? db
        .prepare(
          `UPDATE organizations SET credits = ?, updated_at = ? WHERE id = ? AND ${ALLOCATED_BY_OTHERS} + ? <= ${POOL_TOTAL}`,
        )
        .bind(credits, isoSeconds(), organizationId, partnerId, organizationId, credits, partnerId)
    : db
        .prepare("UPDATE organizations SET credits = ?, updated_at = ? WHERE id = ?")
        .bind(credits, isoSeconds(), organizationId);
  const { meta } = await update.run();
  if (meta.changes !== 1) throw await insufficientCredits(db, partnerId, organizationId, credits);

  const result = await counter.setAllocation(credits, notes ?? null);
  if (!result?.ok) {
    // Identifications spent credits between the check and now: put the previous allocation back.
    await db
      .prepare("UPDATE organizations SET credits = ? WHERE id = ? AND credits = ?")
      .bind(org.credits, organizationId, credits)
      .run();
    throw belowUsed(credits, result?.used ?? before.used);
  }
  const allocation = {
    id: newId("alloc"),
    partnerId,
    organizationId,
    creditsAllocated: credits,
    creditsUsed: result.balance.used,
    creditsAvailable: result.balance.available,
    allocatedAt: isoSeconds(),
    notes: notes ?? null,
  };
  await db
    .prepare(
      "INSERT INTO credit_allocations (id, partner_id, organization_id, credits, notes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(allocation.id, partnerId, organizationId, credits, allocation.notes, allocation.allocatedAt)
    .run();
  return c.json({ allocation }, 200);
});

const belowUsed = (credits: number, used: number) =>
  new ApiError("UnprocessableEntity", "The allocation cannot be below the credits already used this period", {
    requested: credits,
    used,
  });
