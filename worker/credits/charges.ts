import type { ErasedForms } from "./erasure";
import type { ChargeOutcomeReason } from "./types";

/**
 * How long a replay of a hit can arrive: a message waits at most 4 days in the hits queue (its
 * retention), plus a day of margin. Answers that a replay could otherwise get differently are
 * remembered this long; charges are remembered for good.
 */
export const REDELIVERY_WINDOW_MS = 5 * 24 * 3600_000;

/**
 * What the counter decided: its charges (`charged`, one row per identity and period, by the event
 * that paid) and the answers a replay must get again (`events`). Call inside the counter's transaction.
 */
export class Charges {
  constructor(private readonly sql: SqlStorage) {}

  /** The period an event was charged in, if it was. */
  chargedPeriod(eventId: string): number | undefined {
    return this.sql
      .exec<{ period_start: number }>("SELECT period_start FROM charged WHERE event_id = ?", eventId)
      .toArray()[0]?.period_start;
  }

  /** The answer remembered for an event that was not charged. */
  answer(eventId: string): { reason: ChargeOutcomeReason; period_start: number } | undefined {
    return this.sql
      .exec<{ reason: ChargeOutcomeReason; period_start: number }>(
        "SELECT reason, period_start FROM events WHERE event_id = ?",
        eventId,
      )
      .toArray()[0];
  }

  /** True when the event was decided before (charged, or its answer remembered). */
  decided(eventId: string): boolean {
    if (this.sql.exec("SELECT 1 FROM charged WHERE event_id = ?", eventId).toArray().length > 0) return true;
    return this.sql.exec("SELECT 1 FROM events WHERE event_id = ?", eventId).toArray().length > 0;
  }

  /** Charged in the period, under the identity or, once forgotten, under its erased form. */
  has(periodStart: number, identity: string, erased: ErasedForms): boolean {
    return (
      this.sql
        .exec(
          "SELECT 1 FROM charged WHERE period_start = ? AND identity IN (?, ?)",
          periodStart,
          identity,
          erased.get(identity) ?? identity,
        )
        .toArray().length > 0
    );
  }

  add(periodStart: number, identity: string, eventId: string): void {
    this.sql.exec(
      "INSERT INTO charged (period_start, identity, event_id) VALUES (?, ?, ?)",
      periodStart,
      identity,
      eventId,
    );
  }

  /** An answer a replay must get again even if credits or the status change meanwhile. */
  remember(eventId: string, reason: ChargeOutcomeReason, periodStart: number, at: number): void {
    this.sql.exec(
      "INSERT INTO events (event_id, reason, period_start, at) VALUES (?, ?, ?, ?)",
      eventId,
      reason,
      periodStart,
      at,
    );
  }

  /** Forgets answers older than the redelivery window. */
  forgetOldAnswers(now: number): void {
    this.sql.exec("DELETE FROM events WHERE at < ?", now - REDELIVERY_WINDOW_MS);
  }

  /** The charge an event made, for its refund. */
  debit(eventId: string): { identity: string; refunded: number } | undefined {
    return this.sql
      .exec<{ identity: string; refunded: number }>(
        "SELECT identity, refunded FROM charged WHERE event_id = ?",
        eventId,
      )
      .toArray()[0];
  }

  markRefunded(eventId: string): void {
    this.sql.exec("UPDATE charged SET refunded = 1 WHERE event_id = ?", eventId);
  }

  /** The identity's charges keep their period and event under its erased form. */
  erase(identity: string, erased: string): void {
    this.sql.exec("UPDATE charged SET identity = ? WHERE identity = ?", erased, identity);
  }
}
