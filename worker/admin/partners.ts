import { createRoute, z } from "@hono/zod-openapi";
import { defaultBillingDay } from "../billing/period";
import { ApiError, isUniqueViolation, notFound } from "../http/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../http/routes";
import { newId } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import { issueApiKey } from "../partner-api/api-keys/issue";
import { toPartner, type PartnerRow } from "../partner-api/partner";
import { BillingModeSchema, BillingPeriodSchema, IdParam } from "../partner-api/schemas";

const PartnerSchema = z.record(z.string(), z.unknown()).openapi("Partner");
const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    keyPrefix: z.string(),
    scopes: z.array(z.string()),
    status: z.string(),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("ApiKey");

const CreatePartnerBody = z
  .object({
    name: z.string().trim().min(1).max(255),
    slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, "lowercase letters, digits and dashes"),
    billingMode: BillingModeSchema.default("credit_pool"),
    billingPeriod: BillingPeriodSchema.default("monthly"),
    billingDayOfMonth: z.number().int().min(1).max(28).optional(),
    creditPoolTotal: z.number().int().min(0).default(0),
    maxOrganizations: z.number().int().min(1).nullable().optional(),
    maxIdentificationsPerOrg: z.number().int().min(1).nullable().optional(),
    companyName: z.string().max(255).optional(),
    supportEmail: z.email().optional(),
    globalName: z
      .string()
      .regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,31}$/, "a JavaScript identifier")
      .optional()
      .openapi({ description: "Global name of the script's command queue on client sites" }),
  })
  .openapi("CreatePartner");

const createRoute_ = createRoute({
  method: "post",
  path: "/partners",
  summary: "Onboard a partner (returns its first API key once)",
  request: { body: jsonBody(CreatePartnerBody) },
  responses: {
    201: jsonResponse("Created", z.object({ partner: PartnerSchema, plainKey: z.string() })),
    ...commonErrors,
    ...errorResponses(409),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/partners",
  summary: "Find partners",
  request: { query: z.object({ slug: z.string().optional() }) },
  responses: { 200: jsonResponse("Partners", z.object({ partners: z.array(PartnerSchema) })), ...commonErrors },
});

const issueKeyRoute = createRoute({
  method: "post",
  path: "/partners/{partnerId}/api-keys",
  summary: "Issue an API key for a partner (e.g. when every key was lost)",
  request: {
    params: z.object({ partnerId: IdParam("partnerId") }),
    body: jsonBody(z.object({ name: z.string().min(1).max(255).default("Operator-issued key") })),
  },
  responses: {
    201: jsonResponse("Created", z.object({ apiKey: ApiKeySchema, plainKey: z.string() })),
    ...commonErrors,
  },
});

export const adminPartners = createApi()
  .openapi(createRoute_, async (c) => {
    const body = c.req.valid("json");
    const db = c.env.DB;
    const now = Date.now();
    const id = newId("prt");
    const at = isoSeconds(now);
    const insert = db
      .prepare(
        `INSERT INTO partners (id, name, slug, company_name, support_email, global_name, billing_mode, billing_period,
           billing_day_of_month, credit_pool_total, max_organizations, max_identifications_per_org, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .bind(
        id,
        body.name,
        body.slug,
        body.companyName ?? body.name,
        body.supportEmail ?? null,
        body.globalName ?? null,
        body.billingMode,
        body.billingPeriod,
        body.billingDayOfMonth ?? defaultBillingDay(now),
        body.creditPoolTotal,
        body.maxOrganizations ?? null,
        body.maxIdentificationsPerOrg ?? null,
        at,
        at,
      );
    const { statement, plainKey } = await issueApiKey(db, id, "Initial key");
    try {
      await db.batch([insert, statement]);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ApiError(
          "Conflict",
          `A partner with slug '${body.slug}' already exists`,
          { slug: body.slug },
          { cause: error },
        );
      }
      throw error;
    }
    const row = await db.prepare("SELECT * FROM partners WHERE id = ?").bind(id).first<PartnerRow>();
    return c.json({ partner: await toPartner(db, row!), plainKey }, 201);
  })
  .openapi(listRoute, async (c) => {
    const { slug } = c.req.valid("query");
    const db = c.env.DB;
    const { results } = await (
      slug
        ? db.prepare("SELECT * FROM partners WHERE slug = ?").bind(slug)
        : db.prepare("SELECT * FROM partners ORDER BY created_at LIMIT 100")
    ).all<PartnerRow>();
    return c.json({ partners: await Promise.all(results.map((row) => toPartner(db, row))) }, 200);
  })
  .openapi(issueKeyRoute, async (c) => {
    const { partnerId } = c.req.valid("param");
    const exists = await c.env.DB.prepare("SELECT 1 AS ok FROM partners WHERE id = ?").bind(partnerId).first();
    if (!exists) throw notFound("Partner");
    const { apiKey, plainKey, statement } = await issueApiKey(c.env.DB, partnerId, c.req.valid("json").name);
    await statement.run();
    return c.json({ apiKey, plainKey }, 201);
  });
