import { z } from "@hono/zod-openapi";
import { IdentityTypeSchema, Timestamp } from "../../http/schemas";
import { CompanySchema, PersonSchema } from "../../visitors/schemas";

const nullableString = z.string().nullable();

export const VisitorSchema = z
  .object({
    id: z.string(),
    type: IdentityTypeSchema,
    firstSeenAt: Timestamp,
    lastSeenAt: Timestamp,
    company: CompanySchema.nullable(),
    person: PersonSchema.nullable(),
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
