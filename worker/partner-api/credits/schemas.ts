import { z } from "@hono/zod-openapi";
import { CHARGE_REASONS, EDGE_REJECTIONS } from "../../../shared/billing";
import { Day, IdentityTypeSchema, Timestamp } from "../../http/schemas";

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

export const ReceiptSchema = z
  .object({
    eventId: z.string().openapi({ description: "The pixel's event id of the hit" }),
    reason: z.enum(CHARGE_REASONS).openapi({ description: "`charged`: only charges have a receipt each" }),
    credits: z.number().int().openapi({ description: "Credits charged: 1" }),
    identityType: IdentityTypeSchema.nullable(),
    identity: z
      .string()
      .nullable()
      .openapi({ description: "Who was charged: the visitor id (never the email or its hash)" }),
    visitorId: z.string().nullable(),
    periodStart: Timestamp.nullable().openapi({ description: "Billing period the attempt was decided in" }),
    ledgerEntryId: z.string().nullable().openapi({ description: "The debit's ledger entry, once mirrored" }),
    createdAt: Timestamp,
  })
  .openapi("Receipt");

export const RejectionSchema = z
  .object({
    reason: z.enum(EDGE_REJECTIONS),
    count: z.number().int(),
  })
  .openapi("RejectionCount");

/** Hits per outcome over whole UTC days, from the daily rollups. */
export const OutcomeCountsSchema = z
  .object({
    byReason: z.record(z.enum(CHARGE_REASONS), z.number().int()),
    from: Day.nullable().openapi({ description: "First day counted; null: since the organization's first hit" }),
    to: Day.nullable().openapi({ description: "Last day counted; null: up to today" }),
  })
  .openapi("OutcomeCounts");
