import { z } from "@hono/zod-openapi";
import { LEDGER_KINDS, type LedgerKind } from "../../shared/billing";
import { Timestamp } from "../http/schemas";
import { isoSeconds } from "../lib/time";

export type { LedgerKind };

/** A ledger row as the counter stores it (Durable Object SQLite), joined with its period's end. */
export type LedgerRow = {
  id: number;
  at: number;
  kind: LedgerKind;
  amount: number;
  allocation: number;
  balance_after: number;
  period_start: number;
  period_end: number;
  event_id: string | null;
  identity: string | null;
  note: string | null;
  details: string | null;
};

/** The ledger entry of the API and of the D1 mirror (`ledger_entries`). */
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

export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export const entryId = (organizationId: string, seq: number) => `${organizationId}:${seq}`;

export function toLedgerEntry(organizationId: string, row: LedgerRow): LedgerEntry {
  return {
    id: entryId(organizationId, row.id),
    organizationId,
    seq: row.id,
    kind: row.kind,
    credits: row.amount,
    allocation: row.allocation,
    balanceAfter: row.balance_after,
    periodStart: isoSeconds(row.period_start),
    periodEnd: isoSeconds(row.period_end),
    eventId: row.event_id,
    identity: row.identity,
    note: row.note,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
    createdAt: isoSeconds(row.at),
  };
}

/** A period's close, as written in the `expired` entry's details and sent as `period.closed`. */
export interface PeriodClosed {
  organizationId: string;
  periodStart: string;
  periodEnd: string;
  allocation: number;
  /** Credits charged in the period (debits). */
  consumed: number;
  /** Refunds and adjustments booked in the period. */
  adjusted: number;
  /** Credits that lapsed unused. */
  expired: number;
  /** The `expired` ledger entry. */
  entryId: string;
}
