import type { LedgerKind } from "../../shared/billing";
import { isoSeconds } from "../lib/time";

export type { LedgerKind };

/** A ledger row as the counter stores it (Durable Object SQLite), joined with its period's end. */
export type CounterRow = {
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

/** A `ledger_entries` row (the D1 mirror of the counter's ledger); times in seconds. */
export interface MirrorRow {
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

/** The ledger entry of the API and of the D1 mirror (`ledger_entries`); its OpenAPI component is in credits/schemas.ts. */
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

export function fromCounterRow(organizationId: string, row: CounterRow): LedgerEntry {
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

/** The identity a mirrored entry names: the visitor id the consumer charged; never an email hash. */
const shownIdentity = (key: string | null) => (key?.startsWith("vis_") ? key : null);

const isoOf = (seconds: number) => isoSeconds(seconds * 1000);

export const fromMirrorRow = (organizationId: string, r: MirrorRow): LedgerEntry => ({
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
