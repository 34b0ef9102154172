import type { z } from "@hono/zod-openapi";
import type { IdentityType, LedgerKind } from "../../../shared/billing";
import type { LedgerEntry } from "../../credits/ledger";
import { ERASED_VISITOR } from "../../visitors/erasure";
import { isoOf, publicVisitorId } from "../../visitors/identity";
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

/** The identity a ledger entry names: the visitor id the consumer charged; never an email hash. */
const shownIdentity = (key: string | null) => (key?.startsWith("vis_") ? key : null);

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
  identity: shownIdentity(r.identity_key),
  note: r.note,
  details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
  createdAt: r.created_at,
});

/** A `charges` row with the id of its debit, once mirrored. */
export interface ReceiptRow {
  at: number;
  event_id: string;
  visitor: string;
  type: IdentityType;
  period_start: number;
  ledger_entry_id: string | null;
}

/** Receipts of an organization (bind: organization id twice), its debit found by event id within the organization. */
export const SELECT_RECEIPT = `SELECT c.at, c.event_id, c.visitor, c.type, c.period_start,
    (SELECT l.id FROM ledger_entries l WHERE l.event_id = c.event_id AND l.organization_id = ?1 AND l.kind = 'debit')
      AS ledger_entry_id
  FROM charges c`;

/** The visitor a receipt names; null once the visitor was erased. */
const receiptVisitor = (visitor: string) => (visitor === ERASED_VISITOR ? null : publicVisitorId(visitor));

export const toReceipt = (r: ReceiptRow): z.infer<typeof ReceiptSchema> => ({
  eventId: r.event_id,
  reason: "charged",
  credits: 1,
  identityType: r.type,
  identity: receiptVisitor(r.visitor),
  visitorId: receiptVisitor(r.visitor),
  periodStart: isoOf(r.period_start),
  ledgerEntryId: r.ledger_entry_id,
  createdAt: isoOf(r.at),
});
