import { z } from "@hono/zod-openapi";
import { LEDGER_KINDS } from "../../credits/ledger";

const Timestamp = z.string().openapi({ example: "2025-01-15T10:30:00Z" });

export const CHARGE_REASONS = [
  "charged",
  "already_charged_this_period",
  "no_credit",
  "bot",
  "referrer_not_allowed",
  "disabled",
  "not_identified",
  "excluded",
] as const;

export const ReceiptSchema = z
  .object({
    eventId: z.string().openapi({ description: "The pixel's event id of the hit" }),
    reason: z.enum(CHARGE_REASONS),
    credits: z.number().int().openapi({ description: "Credits charged: 1 for `charged`, else 0" }),
    identityType: z.enum(["company", "person"]).nullable(),
    identity: z.string().nullable().openapi({ description: "`company:<id>` or `person:<sha256 of the email>`" }),
    visitorId: z.string().nullable(),
    periodStart: Timestamp.nullable().openapi({ description: "Billing period the attempt was decided in" }),
    ledgerEntryId: z.string().nullable().openapi({ description: "The debit's ledger entry, once mirrored" }),
    createdAt: Timestamp,
  })
  .openapi("Receipt");

export const RejectionSchema = z
  .object({
    reason: z.enum(["referrer_not_allowed", "disabled"]),
    count: z.number().int(),
  })
  .openapi("RejectionCount");

export const LedgerEntrySchema = z
  .object({
    id: z.string().openapi({ example: "org_0123…:42" }),
    organizationId: z.string(),
    seq: z.number().int(),
    kind: z.enum(LEDGER_KINDS),
    credits: z.number().int().openapi({ description: "Signed change of the period's available credits" }),
    allocation: z.number().int().openapi({ description: "The period's allocation after this entry" }),
    balanceAfter: z.number().int(),
    periodStart: Timestamp,
    periodEnd: Timestamp,
    eventId: z.string().nullable(),
    identity: z.string().nullable(),
    note: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    createdAt: Timestamp,
  })
  .openapi("LedgerEntry");
