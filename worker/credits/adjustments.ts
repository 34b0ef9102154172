import { availableOf } from "./balance";
import type { Charges } from "./charges";
import { isErased } from "./erasure";
import type { LedgerEntry } from "./ledger";
import type { Periods } from "./periods";
import type { AdjustResult } from "./types";
import { isoSeconds } from "../lib/time";

/** An operator adjustment's `Idempotency-Key` is kept this long after the entry it booked (docs/billing.md). */
export const IDEMPOTENCY_WINDOW_MS = 30 * 24 * 3600_000;

/**
 * Operator adjustments and refunds of a counter, booked in the current period, once per
 * idempotency key (`adjustments`). Call inside the counter's transaction.
 */
export class Adjustments {
  constructor(
    private readonly sql: SqlStorage,
    private readonly periods: Periods,
    private readonly charges: Charges,
  ) {}

  /** Forgets idempotency keys older than their window (the alarm calls it). */
  forgetOldKeys(now: number): void {
    this.sql.exec("DELETE FROM adjustments WHERE entry ->> '$.createdAt' < ?", isoSeconds(now - IDEMPOTENCY_WINDOW_MS));
  }

  /** ±credits on the current period's balance, with a reason; never below zero. */
  adjust(credits: number, reason: string, key: string | null): AdjustResult {
    return this.once(key, { credits, reason }, (): AdjustResult => {
      const now = Date.now();
      this.periods.closeEnded(now);
      const period = this.periods.periodRow(now);
      const available = availableOf(period);
      if (available + credits < 0) return { ok: false, reason: "below_zero", available };
      this.periods.addAdjusted(period, credits);
      const seq = this.periods.record("adjustment", credits, period, now, { note: reason });
      return { ok: true, entry: this.periods.entry(seq), balance: this.periods.balanceOf(period, now) };
    });
  }

  /** A debit's credit given back, in the current period (its own may be closed); once per debit. */
  refund(eventId: string, reason: string, key: string | null): AdjustResult {
    return this.once(key, { refundEventId: eventId, reason }, (): AdjustResult => {
      const debit = this.charges.debit(eventId);
      if (!debit) return { ok: false, reason: "not_charged" };
      if (debit.refunded) return { ok: false, reason: "already_refunded" };
      const now = Date.now();
      this.periods.closeEnded(now);
      const period = this.periods.periodRow(now);
      this.periods.addAdjusted(period, 1);
      this.charges.markRefunded(eventId);
      // A forgotten identity stays forgotten: the refund carries none.
      const identity = isErased(debit.identity) ? null : debit.identity;
      const seq = this.periods.record("refund", 1, period, now, { eventId, identity, note: reason });
      return { ok: true, entry: this.periods.entry(seq), balance: this.periods.balanceOf(period, now) };
    });
  }

  /**
   * Books once per idempotency key: a repeat with the same request gets the first entry (and
   * today's balance); the key with another request is refused.
   */
  private once(key: string | null, request: object, book: () => AdjustResult): AdjustResult {
    const fingerprint = JSON.stringify(request);
    if (key !== null) {
      const first = this.sql
        .exec<{ request: string; entry: string }>("SELECT request, entry FROM adjustments WHERE key = ?", key)
        .toArray()[0];
      if (first && first.request !== fingerprint) return { ok: false, reason: "key_reused" };
      if (first) {
        const now = Date.now();
        this.periods.closeEnded(now);
        const balance = this.periods.balanceOf(this.periods.periodRow(now), now);
        return { ok: true, entry: JSON.parse(first.entry) as LedgerEntry, balance };
      }
    }
    const booked = book();
    if (key !== null && booked.ok) {
      this.sql.exec(
        "INSERT INTO adjustments (key, request, entry) VALUES (?, ?, ?)",
        key,
        fingerprint,
        JSON.stringify(booked.entry),
      );
    }
    return booked;
  }
}
