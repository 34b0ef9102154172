import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { poolFor } from "../credits/pool-client";
import { poolSettings } from "../credits/queries";
import { ApiError } from "../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../http/routes";
import { BillingModeInput, BillingPeriodInput, IdParam } from "../http/schemas";
import { loadPartner, partnerOr404, toOperatorPartner, type PartnerRow } from "../partners/partner";
import { updatePartnerSettings } from "../partners/queries";
import { GlobalNameSchema, OperatorPartnerSchema, PartnerStatusSchema, RetentionDaysSchema } from "../partners/schemas";
import { writeThroughPartnerPixels } from "../pixel-config/record";
import { tenantEnv } from "../shards";

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
    uncappedUsage: z.boolean().optional(),
    status: PartnerStatusSchema.optional().openapi({
      description:
        "Suspended: API keys answer 401, nothing is charged, and every organization's script goes empty (within about 60 s)",
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
  description:
    "Only the fields sent change. The pool total may not go below what is allocated to organizations (422). " +
    "A new billing period or day takes over at the end of the partner's running period. Changes every organization carries " +
    "(status, global name, billing mode, caps) reach them through the JOBS queue, in bounded batches. Changes racing each " +
    "other are applied one on top of the other; after repeated races the answer is 409 and nothing of this one is applied.",
  request: { params: z.object({ partnerId: IdParam("partnerId") }), body: jsonBody(UpdatePartnerBody) },
  responses: {
    200: jsonResponse("The partner", z.object({ partner: OperatorPartnerSchema })),
    ...commonErrors,
    ...errorResponses(409, 422),
  },
});

const COLUMNS = {
  billingMode: "billing_mode",
  billingPeriod: "billing_period",
  billingDayOfMonth: "billing_day_of_month",
  creditPoolTotal: "credit_pool_total",
  maxOrganizations: "max_organizations",
  maxIdentificationsPerOrg: "max_identifications_per_org",
  uncappedUsage: "uncapped_usage",
  status: "status",
  globalName: "global_name",
  retentionDays: "retention_days",
} as const satisfies Record<keyof z.infer<typeof UpdatePartnerBody>, keyof PartnerRow>;

type Field = keyof typeof COLUMNS;

/** What the partner's pool decides with. */
const POOL_FIELDS: Field[] = [
  "billingMode",
  "billingPeriod",
  "billingDayOfMonth",
  "creditPoolTotal",
  "maxIdentificationsPerOrg",
  "status",
];
/** What every organization's counter or KV pixel record carries. */
const COPIED_FIELDS: Field[] = ["billingMode", "maxIdentificationsPerOrg", "uncappedUsage", "status", "globalName"];

/** A change read from a partner another change overtook is worked out again from the newer one, at most this often. */
const ATTEMPTS = 5;

/**
 * The pool decides first, then D1 takes the change only if nothing else changed the partner since
 * it was read (`settings_version`). Two changes racing each other (a retry of a timed-out request,
 * two operators) could otherwise leave the pool with the slower one's stale copy of fields the
 * faster one changed: the loser is worked out again on top of the winner, pool included, so the
 * pool always ends with the settings D1 has.
 */
export const updatePartner = createApi().openapi(route, async (c) => {
  const { partnerId } = c.req.valid("param");
  const body = c.req.valid("json");
  const db = c.env.CATALOG;
  const value = (field: Field) => (field === "uncappedUsage" ? Number(body.uncappedUsage) : (body[field] ?? null));
  let poolConfigured = false;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const before = await partnerOr404(db, partnerId);
    const changed = (Object.keys(COLUMNS) as Field[]).filter(
      (field) => body[field] !== undefined && value(field) !== before[COLUMNS[field]],
    );
    if (changed.length === 0 && !poolConfigured) return answer(c, before);
    const after = { ...before, ...Object.fromEntries(changed.map((f) => [COLUMNS[f], value(f)])) } as PartnerRow;
    // The pool decides first (the total against the allocations; a new billing rule from its running period's end).
    let schedule: string | null = null;
    if (poolConfigured || changed.some((f) => POOL_FIELDS.includes(f))) {
      const result = await poolFor(c.env, partnerId).configure(poolSettings(after));
      poolConfigured = true;
      if (!result.ok) {
        throw new ApiError(
          "UnprocessableEntity",
          "The pool total cannot be less than the credits allocated to organizations",
          { creditPoolTotal: after.credit_pool_total, allocated: result.allocated },
        );
      }
      schedule = JSON.stringify(result.schedule);
    }
    const columns = changed.map((f): [keyof PartnerRow, unknown] => [COLUMNS[f], value(f)]);
    if (!(await updatePartnerSettings(db, partnerId, before.settings_version, columns, schedule))) continue;
    if (changed.some((f) => COPIED_FIELDS.includes(f)))
      await writeThroughPartnerPixels(tenantEnv(c.env, before.shard), partnerId);
    return answer(c, await loadPartner(db, partnerId));
  }
  throw new ApiError("Conflict", "The partner was changed by other requests meanwhile; send the change again", null);
});

const answer = async (c: Context<AppEnv>, row: PartnerRow) =>
  c.json({ partner: await toOperatorPartner(c.env, row) }, 200);
