import { z } from "@hono/zod-openapi";
import { ORGANIZATION_STATUSES } from "../../shared/accounts";
import { BillingPeriodSchema, ProductTypeSchema, TierSchema, Timestamp } from "../http/schemas";

export const OrganizationStatusSchema = z.enum(ORGANIZATION_STATUSES);

/** Metadata is stored with the organization row; a cap keeps it far from D1's row limit. */
export const MAX_METADATA_BYTES = 16_384;

/** The partner's own key-value data on an organization, at most MAX_METADATA_BYTES of UTF-8 JSON (create and update alike). */
export const MetadataSchema = z
  .record(z.string(), z.unknown())
  .refine(
    (m) => new TextEncoder().encode(JSON.stringify(m)).length <= MAX_METADATA_BYTES,
    `must be at most ${MAX_METADATA_BYTES} bytes of JSON`,
  );

/** A sub-organization: one per client of the partner. */
export const OrganizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    externalId: z.string().nullable(),
    status: OrganizationStatusSchema,
    enabled: z.boolean(),
    tier: TierSchema,
    productType: ProductTypeSchema,
    billingPeriod: BillingPeriodSchema,
    billingDayOfMonth: z.number().int(),
    billingChangeEffectiveAt: Timestamp.nullable().openapi({
      description:
        "When `billingPeriod` and `billingDayOfMonth` take over: the end of the period that was running when they were changed; null once they apply",
    }),
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
