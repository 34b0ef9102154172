import type { z } from "@hono/zod-openapi";
import type { IdentityType } from "../../../shared/billing";
import { entryId } from "../../credits/ledger";
import { DEBIT_SEQ } from "../../credits/mirror";
import { ERASED_VISITOR } from "../../erasures/visitor";
import { isoOf, publicVisitorId } from "../../visitors/identity";
import type { ReceiptSchema } from "./schemas";

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
