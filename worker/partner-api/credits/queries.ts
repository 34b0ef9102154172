import type { z } from "@hono/zod-openapi";
import { CHARGE_REASONS, type ChargeReason, type IdentityType, type LedgerKind } from "../../../shared/billing";
import { OUTCOME_COLUMN } from "../../collect/rollups";
import { entryId, type MirrorRow } from "../../credits/ledger";
import { DEBIT_SEQ } from "../../credits/mirror";
import { ERASED_VISITOR } from "../../erasures/visitor";
import { COUNT_LIMIT } from "../../http/schemas";
import { Where } from "../../lib/sql";
import { endBound, startBound, unixSeconds, utcDay } from "../../lib/time";
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

/** The organization's rows of a tenant table keyed by `org` (bind: organization id). */
const ORGANIZATION_KEY = "(SELECT key FROM organization_keys WHERE organization_id = ?)";

/** Dates of a list's query (`YYYY-MM-DD` or a timestamp) as unix seconds, each bound inclusive. */
const secondsFrom = (startDate?: string) => startDate && unixSeconds(Date.parse(startBound(startDate)));
const secondsTo = (endDate?: string) => endDate && unixSeconds(Date.parse(endBound(endDate)));

export interface LedgerQuery {
  startDate?: string;
  endDate?: string;
  kind?: LedgerKind;
  /** The seq the previous page ended at (a cursor), else null and `offset`. */
  before: number | null;
  offset: number;
  limit: number;
}

/**
 * A page of the organization's ledger, newest first, and how many entries match (counted up to
 * COUNT_LIMIT: a large ledger is paged with cursors, never counted whole).
 */
export async function ledgerPage(
  db: D1Database,
  organizationId: string,
  query: LedgerQuery,
): Promise<{ rows: MirrorRow[]; total: number }> {
  const filter = (before?: number) =>
    new Where(`org = ${ORGANIZATION_KEY}`, organizationId)
      .and("created_at >= ?", secondsFrom(query.startDate))
      .and("created_at <= ?", secondsTo(query.endDate))
      .and("kind = ?", query.kind)
      .and("seq < ?", before);
  const all = filter();
  const paged = filter(query.before ?? undefined);
  const [rows, count] = await db.batch<unknown>([
    db
      .prepare(`SELECT * FROM ledger_entries ${paged} ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .bind(...paged.params, query.limit, query.before === null ? query.offset : 0),
    db
      .prepare(`SELECT count(*) AS total FROM (SELECT 1 FROM ledger_entries ${all} LIMIT ${COUNT_LIMIT})`)
      .bind(...all.params),
  ]);
  return { rows: rows!.results as MirrorRow[], total: (count!.results[0] as { total: number }).total };
}

export interface ReceiptQuery {
  startDate?: string;
  endDate?: string;
  /** False when the list asks for another reason than `charged`: no receipts then, counts only. */
  charges: boolean;
  /** Where the previous page ended (a cursor: at, event id), else null and `offset`. */
  after: readonly [at: number, eventId: string] | null;
  offset: number;
  limit: number;
}

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A page of the organization's receipts (its charges), newest first, how many there are, and the
 * hits of every outcome counted per day over the same days (`from`, `to`: those days, null when open).
 */
export async function receiptPage(db: D1Database, organizationId: string, query: ReceiptQuery) {
  const filter = new Where(`c.org = ${ORGANIZATION_KEY}`, organizationId)
    .and("c.at >= ?", secondsFrom(query.startDate))
    .and("c.at <= ?", secondsTo(query.endDate));
  const where = `${filter}${query.charges ? "" : " AND false"}`;
  const keyset = query.after ? " AND (c.at, c.event_id) < (?, ?)" : "";
  // Over whole days the rollups know how many charges there are; a timestamp bound counts them.
  const wholeDays = [query.startDate, query.endDate].every((d) => d === undefined || BARE_DATE.test(d));
  const from = query.startDate ? utcDay(query.startDate) : null;
  const to = query.endDate ? utcDay(query.endDate) : null;
  const days = "organization_id = ? AND day >= coalesce(?, '') AND day <= coalesce(?, '9999')";
  const [rows, counted, rollup] = await db.batch<Record<string, unknown>>([
    db
      .prepare(`${SELECT_RECEIPT} ${where}${keyset} ORDER BY c.at DESC, c.event_id DESC LIMIT ? OFFSET ?`)
      .bind(...filter.params, ...(query.after ?? []), query.limit, query.after ? 0 : query.offset),
    wholeDays || !query.charges
      ? db.prepare("SELECT 0 AS total")
      : db
          .prepare(`SELECT count(*) AS total FROM (SELECT 1 FROM charges c ${where} LIMIT ${COUNT_LIMIT})`)
          .bind(...filter.params),
    db
      .prepare(
        `SELECT ${CHARGE_REASONS.map((r) => `coalesce(sum(${OUTCOME_COLUMN[r]}), 0) AS ${r}`).join(", ")}
         FROM usage_daily WHERE ${days}`,
      )
      .bind(organizationId, from, to),
  ]);
  const byReason = rollup!.results[0] as Record<ChargeReason, number>;
  const counts = (counted!.results[0] as { total: number }).total;
  const total = !query.charges ? 0 : wholeDays ? byReason.charged : counts;
  return { rows: rows!.results as unknown as ReceiptRow[], total, byReason, from, to };
}
