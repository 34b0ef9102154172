import { createRoute, z } from "@hono/zod-openapi";
import { defaultBillingDay } from "../billing/period";
import { ApiError, isUniqueViolation } from "../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../http/routes";
import { BillingModeInput, BillingPeriodInput } from "../http/schemas";
import { newId } from "../lib/ids";
import { apiKeyStatement } from "../partners/api-keys";
import { loadPartner, toOperatorPartner } from "../partners/partner";
import { insertPartner } from "../partners/queries";
import { shardForNewPartner } from "../shards";
import {
  DEFAULT_RETENTION_DAYS,
  GlobalNameSchema,
  OperatorPartnerSchema,
  RetentionDaysSchema,
} from "../partners/schemas";

const CreatePartnerBody = z
  .object({
    name: z.string().trim().min(1).max(255),
    slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, "lowercase letters, digits and dashes"),
    billingMode: BillingModeInput.default("credit_pool"),
    billingPeriod: BillingPeriodInput.default("monthly"),
    billingDayOfMonth: z.number().int().min(1).max(28).optional(),
    creditPoolTotal: z.number().int().min(0).default(0),
    maxOrganizations: z.number().int().min(1).nullable().optional(),
    maxIdentificationsPerOrg: z.number().int().min(1).nullable().optional(),
    uncappedUsage: z.boolean().default(false).openapi({
      description:
        "usage_based only: lets an organization's allocation of 0 mean no cap. Without it (the default), 0 means up to maxIdentificationsPerOrg, or nothing",
    }),
    companyName: z.string().max(255).optional(),
    supportEmail: z.email().optional(),
    globalName: GlobalNameSchema.optional(),
    retentionDays: RetentionDaysSchema.default(DEFAULT_RETENTION_DAYS),
    shard: z.number().int().min(1).optional().openapi({
      description: "The tenant shard for its organizations; by default the one with the fewest partners",
    }),
  })
  .openapi("CreatePartner");

const route = createRoute({
  method: "post",
  path: "/partners",
  summary: "Onboard a partner (returns its first API key once)",
  request: { body: jsonBody(CreatePartnerBody) },
  responses: {
    201: jsonResponse("Created", z.object({ partner: OperatorPartnerSchema, plainKey: z.string() })),
    ...commonErrors,
    ...errorResponses(409),
  },
});

export const createPartner = createApi().openapi(route, async (c) => {
  const body = c.req.valid("json");
  const db = c.env.CATALOG;
  const id = newId("prt");
  const partner = {
    ...body,
    id,
    companyName: body.companyName ?? body.name,
    supportEmail: body.supportEmail ?? null,
    globalName: body.globalName ?? null,
    billingDayOfMonth: body.billingDayOfMonth ?? defaultBillingDay(Date.now()),
    maxOrganizations: body.maxOrganizations ?? null,
    maxIdentificationsPerOrg: body.maxIdentificationsPerOrg ?? null,
    shard: await shardForNewPartner(c.env, body.shard),
  };
  const { statement, plainKey } = await apiKeyStatement(db, id, "Initial key");
  try {
    await insertPartner(db, partner, statement);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new ApiError(
      "Conflict",
      `A partner with slug '${body.slug}' already exists`,
      { slug: body.slug },
      { cause: error },
    );
  }
  return c.json({ partner: await toOperatorPartner(c.env, await loadPartner(db, id)), plainKey }, 201);
});
