import { z } from "@hono/zod-openapi";
import { CHARGE_REASONS, EDGE_REJECTIONS } from "../../../shared/billing";
import { IdentityTypeSchema, Timestamp } from "../../http/schemas";

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
    reason: z.enum(CHARGE_REASONS),
    credits: z.number().int().openapi({ description: "Credits charged: 1 for `charged`, else 0" }),
    identityType: IdentityTypeSchema.nullable(),
    identity: z.string().nullable().openapi({ description: "`company:<id>` or `person:<sha256 of the email>`" }),
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
