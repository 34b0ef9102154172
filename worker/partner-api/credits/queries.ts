import type { z } from "@hono/zod-openapi";
import type { ChargeReason, IdentityType, LedgerKind } from "../../../shared/billing";
import type { LedgerEntry } from "../../credits/ledger";
import type { ReceiptSchema } from "./schemas";

/** A `ledger_entries` row (the D1 mirror of the counter's ledger). */
export interface EntryRow {
  id: string;
  organization_id: string;
  seq: number;
  kind: LedgerKind;
  credits: number;
  allocation: number;
  balance_after: number;
  period_start: string;
  period_end: string;
  event_id: string | null;
  identity_key: string | null;
  note: string | null;
  details: string | null;
  created_at: string;
}

export const toLedgerEntry = (r: EntryRow): LedgerEntry => ({
  id: r.id,
  organizationId: r.organization_id,
  seq: r.seq,
  kind: r.kind,
  credits: r.credits,
  allocation: r.allocation,
  balanceAfter: r.balance_after,
  periodStart: r.period_start,
  periodEnd: r.period_end,
  eventId: r.event_id,
  identity: r.identity_key,
  note: r.note,
  details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
  createdAt: r.created_at,
});

/** An `identifications` row with the id of its debit, once mirrored. */
export interface ReceiptRow {
  event_id: string;
  reason: ChargeReason;
  credits: number;
  identity_key: string | null;
  visitor_id: string | null;
  period_start: string | null;
  created_at: string;
  ledger_entry_id: string | null;
}

export const SELECT_RECEIPT = `SELECT i.event_id, i.reason, i.credits, i.identity_key, i.visitor_id, i.period_start, i.created_at,
    (SELECT l.id FROM ledger_entries l WHERE l.event_id = i.event_id AND l.kind = 'debit') AS ledger_entry_id
  FROM identifications i`;

export const toReceipt = (r: ReceiptRow): z.infer<typeof ReceiptSchema> => ({
  eventId: r.event_id,
  reason: r.reason,
  credits: r.credits,
  identityType: r.identity_key ? (r.identity_key.split(":")[0] as IdentityType) : null,
  identity: r.identity_key,
  visitorId: r.visitor_id,
  periodStart: r.period_start,
  ledgerEntryId: r.ledger_entry_id,
  createdAt: r.created_at,
});
