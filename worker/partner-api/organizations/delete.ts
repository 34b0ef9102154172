import { createRoute } from "@hono/zod-openapi";
import { counterFor } from "../../credits/counter-client";
import type { Env } from "../../env";
import { commonErrors, createApi } from "../../http/routes";
import { newId } from "../../lib/ids";
import { isoSeconds } from "../../lib/time";
import { writeThroughPixels } from "../../pixel-config/record";
import { hasPool } from "../../partners/partner";
import { OrganizationParams } from "../../http/schemas";
import { findOrganization, type OrganizationRow } from "../../organizations/organization";

const route = createRoute({
  method: "delete",
  path: "/organizations/{organizationId}",
  summary: "Delete (cancel) a sub-organization",
  description:
    "Soft delete: the organization becomes `canceled`, its script goes empty (within about 60 seconds everywhere) and all its data is kept. " +
    "For pooled billing, the unused part of its allocation returns to the pool. `PUT …/status {enabled: true}` re-activates it.",
  request: { params: OrganizationParams },
  responses: { 204: { description: "Canceled (also when it already was)" }, ...commonErrors },
});

export const deleteOrganization = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const partnerId = c.get("partnerId");
  const org = await findOrganization(c.env.DB, partnerId, organizationId);
  if (org.status === "canceled") return c.body(null, 204);
  const at = isoSeconds();
  await c.env.DB.prepare(
    "UPDATE organizations SET status = 'canceled', deleted_at = ?, updated_at = ? WHERE id = ? AND status != 'canceled'",
  )
    .bind(at, at, organizationId)
    .run();
  await writeThroughPixels(c.env, [organizationId]);
  if (hasPool(org.billing_mode)) await releaseAllocation(c.env, org);
  return c.body(null, 204);
});

const MAX_ATTEMPTS = 3;

/**
 * Lowers the allocation to what was already used this period (it cannot go lower), so the
 * rest returns to the partner's pool. Counter first, then D1: in between, D1 over-states the
 * allocation, which can only make the pool stricter, never oversubscribed.
 */
async function releaseAllocation(env: Env, org: OrganizationRow): Promise<void> {
  const counter = counterFor(env, org.id);
  let used = (await counter.balance()).used;
  if (used >= org.credits) return;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const result = await counter.setAllocation(used, "released: organization deleted");
    if (result?.ok) break;
    // Hits already queued were charged in between: release a little less.
    used = result?.used ?? used;
    if (attempt === MAX_ATTEMPTS - 1) return;
  }
  await env.DB.batch([
    env.DB.prepare("UPDATE organizations SET credits = ? WHERE id = ?").bind(used, org.id),
    env.DB.prepare(
      "INSERT INTO credit_allocations (id, partner_id, organization_id, credits, notes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    ).bind(newId("alloc"), org.partner_id, org.id, used, "released: organization deleted", isoSeconds()),
  ]);
}
