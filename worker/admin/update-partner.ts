import { createRoute, z } from "@hono/zod-openapi";
import { configureCounter } from "../credits/counter-client";
import { ApiError } from "../http/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../http/routes";
import { BillingModeInput, BillingPeriodInput, IdParam } from "../http/schemas";
import { isoSeconds } from "../lib/time";
import { hasPool, loadPartner, partnerOr404, toPartner, type PartnerRow } from "../partners/partner";
import { GlobalNameSchema, PartnerSchema, PartnerStatusSchema, RetentionDaysSchema } from "../partners/schemas";
import { writeThroughPartnerPixels } from "../pixel-config/record";

const UpdatePartnerBody = z
  .object({
    billingMode: BillingModeInput.optional(),
    billingPeriod: BillingPeriodInput.optional(),
    billingDayOfMonth: z.number().int().min(1).max(28).optional(),
    creditPoolTotal: z.number().int().min(0).optional(),
    maxOrganizations: z
      .number()
      .int()
      .min(1)
      .nullable()
      .optional()
      .openapi({ description: "null: no limit; existing organizations are kept" }),
    maxIdentificationsPerOrg: z.number().int().min(1).nullable().optional(),
    status: PartnerStatusSchema.optional().openapi({
      description: "Suspended: API keys answer 401 and every organization's script goes empty (within about 60 s)",
    }),
    globalName: GlobalNameSchema.nullable().optional(),
    retentionDays: RetentionDaysSchema.optional(),
  })
  .strict()
  .openapi("UpdatePartner");

const route = createRoute({
  method: "put",
  path: "/partners/{partnerId}",
  summary: "Change a partner's billing, limits, status, script global name or retention",
  description: "Only the fields sent change. The pool total may not go below what is allocated to organizations (422).",
  request: { params: z.object({ partnerId: IdParam("partnerId") }), body: jsonBody(UpdatePartnerBody) },
  responses: {
    200: jsonResponse("The partner", z.object({ partner: PartnerSchema })),
    ...commonErrors,
    ...errorResponses(422),
  },
});

const COLUMNS = {
  billingMode: "billing_mode",
  billingPeriod: "billing_period",
  billingDayOfMonth: "billing_day_of_month",
  creditPoolTotal: "credit_pool_total",
  maxOrganizations: "max_organizations",
  maxIdentificationsPerOrg: "max_identifications_per_org",
  status: "status",
  globalName: "global_name",
  retentionDays: "retention_days",
} as const satisfies Record<keyof z.infer<typeof UpdatePartnerBody>, keyof PartnerRow>;

type Field = keyof typeof COLUMNS;

export const updatePartner = createApi().openapi(route, async (c) => {
  const { partnerId } = c.req.valid("param");
  const body = c.req.valid("json");
  const db = c.env.DB;
  const before = await partnerOr404(db, partnerId);

  const changed = (Object.keys(COLUMNS) as Field[]).filter(
    (field) => body[field] !== undefined && body[field] !== before[COLUMNS[field]],
  );
  if (changed.length > 0) {
    const mode = body.billingMode ?? before.billing_mode;
    const total = body.creditPoolTotal ?? before.credit_pool_total;
    const checkPool = hasPool(mode) && (changed.includes("creditPoolTotal") || changed.includes("billingMode"));
    // The pool check and the write are one statement, so an allocation racing with it cannot oversubscribe the pool.
    const { meta } = await db
      .prepare(
        `UPDATE partners SET ${changed.map((field) => `${COLUMNS[field]} = ?`).join(", ")}, updated_at = ?
         WHERE id = ? AND (? = 0 OR ? >= (SELECT coalesce(sum(credits), 0) FROM organizations WHERE partner_id = ?))`,
      )
      .bind(
        ...changed.map((field) => body[field] ?? null),
        isoSeconds(),
        partnerId,
        checkPool ? 1 : 0,
        total,
        partnerId,
      )
      .run();
    if (meta.changes === 0) {
      const allocated = await db
        .prepare("SELECT coalesce(sum(credits), 0) AS allocated FROM organizations WHERE partner_id = ?")
        .bind(partnerId)
        .first<{ allocated: number }>();
      throw new ApiError(
        "UnprocessableEntity",
        "The pool total cannot be less than the credits allocated to organizations",
        {
          creditPoolTotal: total,
          allocated: allocated?.allocated ?? 0,
        },
      );
    }
    // The hot path reads partner status and global name from each pixel's KV record.
    if (changed.includes("status") || changed.includes("globalName")) await writeThroughPartnerPixels(c.env, partnerId);
    // Each organization's credit counter keeps the billing mode (usage-based caps work differently).
    if (changed.includes("billingMode")) await reconfigureCounters(c.env, partnerId);
  }
  return c.json({ partner: await toPartner(db, await loadPartner(db, partnerId)) }, 200);
});

async function reconfigureCounters(env: Parameters<typeof configureCounter>[0], partnerId: string) {
  const { results } = await env.DB.prepare("SELECT id FROM organizations WHERE partner_id = ?")
    .bind(partnerId)
    .all<{ id: string }>();
  for (let i = 0; i < results.length; i += 20) {
    await Promise.all(results.slice(i, i + 20).map((row) => configureCounter(env, row.id)));
  }
}
