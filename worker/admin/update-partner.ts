import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../http/routes";
import { BillingModeInput, BillingPeriodInput, IdParam } from "../http/schemas";
import { toOperatorPartner } from "../partners/partner";
import { GlobalNameSchema, OperatorPartnerSchema, PartnerStatusSchema, RetentionDaysSchema } from "../partners/schemas";
import { changePartnerSettings } from "../partners/settings";

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

export const updatePartner = createApi().openapi(route, async (c) => {
  const row = await changePartnerSettings(c.env, c.req.valid("param").partnerId, c.req.valid("json"));
  return c.json({ partner: await toOperatorPartner(c.env, row) }, 200);
});
