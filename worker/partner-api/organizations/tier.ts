import { createRoute, z } from "@hono/zod-openapi";
import { TRIAL_CREDIT_LIMIT } from "../../../shared/billing";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { isoSeconds } from "../../lib/time";
import { OrganizationParams, TierSchema } from "../../http/schemas";
import { OrganizationSchema } from "../../organizations/schemas";
import { checkTrialLimit } from "../../organizations/pool";
import { findOrganization, organizationWithBalance } from "../../organizations/organization";

const route = createRoute({
  method: "put",
  path: "/organizations/{organizationId}/tier",
  summary: "Move a sub-organization between trial and paid",
  description: `A trial organization can hold at most ${TRIAL_CREDIT_LIMIT} credits: lower the allocation first.`,
  request: {
    params: OrganizationParams,
    body: jsonBody(z.object({ tier: TierSchema }).openapi("OrganizationTier")),
  },
  responses: {
    200: jsonResponse("The organization", z.object({ organization: OrganizationSchema })),
    ...commonErrors,
    ...errorResponses(422),
  },
});

export const setOrganizationTier = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const { tier } = c.req.valid("json");
  const partnerId = c.get("partnerId");
  const db = c.env.DB;
  const org = await findOrganization(db, partnerId, organizationId);
  checkTrialLimit(tier, org.credits);
  // The limit is re-checked in the update, so an allocation raised meanwhile cannot slip into a trial.
  const { meta } = await db
    .prepare("UPDATE organizations SET tier = ?, updated_at = ? WHERE id = ? AND (? = 'paid' OR credits <= ?)")
    .bind(tier, isoSeconds(), organizationId, tier, TRIAL_CREDIT_LIMIT)
    .run();
  const row = await findOrganization(db, partnerId, organizationId);
  if (meta.changes !== 1) checkTrialLimit(tier, row.credits);
  return c.json({ organization: await organizationWithBalance(c.env, row) }, 200);
});
