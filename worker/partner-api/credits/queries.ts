import type { z } from "@hono/zod-openapi";
import type { IdentityType, LedgerKind } from "../../../shared/billing";
import { entryId, type LedgerEntry } from "../../credits/ledger";
import { DEBIT_SEQ } from "../../credits/mirror";
import { ERASED_VISITOR } from "../../visitors/erasure";
import { isoOf, publicVisitorId } from "../../visitors/identity";
import type { ReceiptSchema } from "./schemas";

/** A `ledger_entries` row (the D1 mirror of the counter's ledger). */
export interface EntryRow {
  org: number;
  seq: number;
  kind: LedgerKind;
  credits: number;
  allocation: number;
  balance_after: number;
  period_start: number;
  period_end: number;
  event_id: string | null;
  identity_key: string | null;
  note: string | null;
  details: string | null;
  created_at: number;
}

/** The identity a ledger entry names: the visitor id the consumer charged; never an email hash. */
const shownIdentity = (key: string | null) => (key?.startsWith("vis_") ? key : null);

export const toLedgerEntry = (organizationId: string, r: EntryRow): LedgerEntry => ({
  id: entryId(organizationId, r.seq),
  organizationId,
  seq: r.seq,
  kind: r.kind,
  credits: r.credits,
  allocation: r.allocation,
  balanceAfter: r.balance_after,
  periodStart: isoOf(r.period_start),
  periodEnd: isoOf(r.period_end),
  eventId: r.event_id,
  identity: shownIdentity(r.identity_key),
  note: r.note,
  details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
  createdAt: isoOf(r.created_at),
});

/** A `charges` row with the seq of its debit, once mirrored. */
export interface ReceiptRow {
  at: number;
  event_id: string;
  visitor: string;
  type: IdentityType;
  period_start: number;
  ledger_seq: number | null;
}

/** Receipts of an organization (bind: organization id first). */
export const SELECT_RECEIPT = `SELECT c.at, c.event_id, c.visitor, c.type, c.period_start, ${DEBIT_SEQ} AS ledger_seq
  FROM charges c`;

/** The visitor a receipt names; null once the visitor was erased. */
const receiptVisitor = (visitor: string) => (visitor === ERASED_VISITOR ? null : publicVisitorId(visitor));

export const toReceipt = (organizationId: string, r: ReceiptRow): z.infer<typeof ReceiptSchema> => ({
  eventId: r.event_id,
  reason: "charged",
  credits: 1,
  identityType: r.type,
  identity: receiptVisitor(r.visitor),
  visitorId: receiptVisitor(r.visitor),
  periodStart: isoOf(r.period_start),
  ledgerEntryId: r.ledger_seq === null ? null : entryId(organizationId, r.ledger_seq),
  createdAt: isoOf(r.at),
});
