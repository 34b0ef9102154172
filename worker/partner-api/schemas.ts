import { z } from "@hono/zod-openapi";
import { CONSENT_MODES } from "../../shared/hit";

/** Accepts the public docs' alternative spellings (contract, "aliases"). */
export const BillingPeriodSchema = z
  .enum(["monthly", "quarterly", "annually", "annual"])
  .transform((p) => (p === "annual" ? "annually" : p))
  .openapi({ type: "string", enum: ["monthly", "quarterly", "annually", "annual"] });

export const BillingModeSchema = z
  .enum(["credit_pool", "external", "usage_based", "pooled"])
  .transform((m) => (m === "pooled" ? "credit_pool" : m))
  .openapi({ type: "string", enum: ["credit_pool", "external", "usage_based", "pooled"] });

export const IdParam = (name: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name, in: "path" }, example: "org_0123456789abcdef0123456789abcdef" });

const Timestamp = z.string().openapi({ example: "2025-01-15T10:30:00Z" });

export const OrganizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    externalId: z.string().nullable(),
    status: z.enum(["active", "suspended", "canceled"]),
    enabled: z.boolean(),
    tier: z.enum(["trial", "paid"]),
    productType: z.enum(["B2B", "B2C"]),
    billingPeriod: z.enum(["monthly", "quarterly", "annually"]),
    billingDayOfMonth: z.number().int(),
    credits: z.number().int().openapi({ description: "Current allocation" }),
    creditsUsed: z.number().int().openapi({ description: "Used in the current billing period" }),
    creditsAvailable: z.number().int().openapi({ description: "Left in the current billing period" }),
    currentPeriodStart: Timestamp,
    currentPeriodEnd: Timestamp,
    metadata: z.record(z.string(), z.unknown()),
    partnerMetadata: z.object({ externalId: z.string().nullable() }),
    ownerUserId: z.string().nullable(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    deletedAt: Timestamp.nullable(),
  })
  .openapi("Organization");

export const PixelSchema = z
  .object({
    apiKey: z.string(),
    allowedReferrers: z.array(z.string()),
    scriptTag: z.string().openapi({ example: '<script async src="https://example.net/s/abc.js"></script>' }),
    scriptUrl: z.string(),
    respectPrivacySignals: z
      .boolean()
      .openapi({ description: "Send nothing when the browser signals Do-Not-Track or GPC" }),
    hashRouting: z.boolean().openapi({ description: "Count `#/route` changes as page views" }),
    consentMode: z.enum(CONSENT_MODES).openapi({
      description:
        "What the script holds back until the site grants consent: `personal` (default) the email hash of `identify`, `all` everything, `off` nothing",
    }),
  })
  .openapi("Pixel");

export const AllocationSchema = z
  .object({
    id: z.string(),
    partnerId: z.string(),
    organizationId: z.string(),
    creditsAllocated: z.number().int(),
    creditsUsed: z.number().int(),
    creditsAvailable: z.number().int(),
    allocatedAt: Timestamp,
    notes: z.string().nullable(),
  })
  .openapi("CreditAllocation");

const nullableString = z.string().nullable();

export const VisitorSchema = z
  .object({
    id: z.string(),
    type: z.enum(["company", "person"]),
    firstSeenAt: Timestamp,
    lastSeenAt: Timestamp,
    company: z
      .object({
        name: z.string(),
        domain: z.string(),
        industry: nullableString,
        employeeRange: nullableString,
        revenueRange: nullableString,
        country: nullableString,
        region: nullableString,
        city: nullableString,
        linkedinUrl: nullableString,
      })
      .nullable(),
    person: z
      .object({
        name: nullableString,
        jobTitle: nullableString,
        emailDomain: nullableString,
        linkedinUrl: nullableString,
        location: nullableString,
      })
      .nullable(),
    icp: z.object({
      matched: z.boolean(),
      score: z.number().int(),
      configId: nullableString,
      configName: nullableString,
    }),
    engagement: z.object({
      sessions: z.number().int(),
      pageViews: z.number().int(),
      totalTimeSeconds: z.number().int(),
      avgScrollDepth: z.number().int(),
    }),
    pages: z.object({
      landingPage: nullableString,
      lastPage: nullableString,
      topPages: z.array(z.object({ path: z.string(), views: z.number().int() })),
    }),
    source: z.object({
      referrer: nullableString,
      utmSource: nullableString,
      utmMedium: nullableString,
      utmCampaign: nullableString,
      utmTerm: nullableString,
      utmContent: nullableString,
    }),
    device: z.object({ type: nullableString, browser: nullableString, os: nullableString }),
    location: z.object({ country: nullableString, region: nullableString, city: nullableString }),
  })
  .openapi("Visitor");

/** `page` (1-based) and `pageSize` (alias `limit`), at most 100. */
export const PageQuery = {
  page: z.coerce.number().int().min(1).default(1).openapi({ example: 1 }),
  pageSize: z.coerce.number().int().min(1).max(100).optional().openapi({ example: 20 }),
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ description: "Alias of pageSize" }),
};

export function pageOf(query: { page: number; pageSize?: number; limit?: number }) {
  const pageSize = query.pageSize ?? query.limit ?? 20;
  return { page: query.page, pageSize, offset: (query.page - 1) * pageSize };
}

/** `YYYY-MM-DD` or ISO 8601. */
export const DateQuery = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), "must be YYYY-MM-DD or ISO 8601")
  .optional();
