import { isoSeconds } from "../lib/time";

/**
 * Kinds of credit movement. Every movement is one immutable entry; corrections are new entries.
 * - `period_opened`: a period starts from the allocation (credits = +allocation)
 * - `allocation_set`: the partner changed the allocation (credits = new − old)
 * - `debit`: an identification was charged (−1, with its event id and identity)
 * - `expired`: the period closed; unused credits lapse (credits = −unused, summary in details)
 * - `adjustment`: the operator added or removed credits (±n, with a reason)
 * - `refund`: the operator gave a debit's credit back (+1, with the debit's event id)
 */
export type LedgerKind = "period_opened" | "allocation_set" | "debit" | "expired" | "adjustment" | "refund";
export const LEDGER_KINDS = ["period_opened", "allocation_set", "debit", "expired", "adjustment", "refund"] as const;

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
export interface LedgerEntry {
  /** Globally unique: `<organizationId>:<seq>`. */
  id: string;
  organizationId: string;
  seq: number;
  kind: LedgerKind;
  /** Signed change of the period's available credits. */
  credits: number;
  /** The period's allocation after this entry. */
  allocation: number;
  /** allocation − debits + refunds/adjustments − expired, after this entry. */
  balanceAfter: number;
  periodStart: string;
  periodEnd: string;
  eventId: string | null;
  identity: string | null;
  note: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

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
