import { z } from "@hono/zod-openapi";
import { LEDGER_KINDS } from "../../shared/billing";
import { Timestamp } from "../http/schemas";
import type { LedgerEntry } from "./ledger";

/** The ledger entry's OpenAPI component, for both APIs; the counter knows only the type (credits/ledger.ts). */
export const LedgerEntrySchema = z
  .object({
    // Globally unique: `<organizationId>:<seq>`.
    id: z.string().openapi({ example: "org_0123…:42" }),
    organizationId: z.string(),
    seq: z.number().int(),
    kind: z.enum(LEDGER_KINDS),
    credits: z.number().int().openapi({ description: "Signed change of the period's available credits" }),
    allocation: z.number().int().openapi({ description: "The period's allocation after this entry" }),
    // allocation − debits + refunds/adjustments − expired, after this entry.
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

// The component and the type the counter answers with must describe the same thing.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _entry: Same<z.infer<typeof LedgerEntrySchema>, LedgerEntry> = true;
void _entry;
