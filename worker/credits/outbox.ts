import { isoSeconds } from "../lib/time";
import { balanceOf } from "./balance";
import { entryId, fromCounterRow, type CounterRow, type PeriodClosed } from "./ledger";
import { mirrorStatements, type PeriodSnapshot } from "./mirror";
import { emitPeriodClosed } from "./period-closed";
import type { Periods } from "./periods";
import { mirrorAllocation } from "./queries";
import type { Settings } from "./settings";
import type { TenantEnv } from "../shards";

/** Ledger entries wait this long in the outbox, so a burst of debits is mirrored in one flush. */
const FLUSH_DELAY_MS = 1_000;
/** Entries mirrored per flush; the alarm comes back at once while more are waiting. */
const FLUSH_LIMIT = 2_000;
/** With nothing to mirror, the alarm still comes daily (the counter forgets old event ids then). */
const IDLE_ALARM_MS = 24 * 3600_000;
const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * The counter's transactional outbox and its mirror to D1. Ledger entries enter the outbox in
 * the transaction that records them; the alarm mirrors them to D1 (`ledger_entries`, plus the
 * open period's snapshot and the allocation with its version) and deletes what D1 accepted, so
 * D1 misses nothing and, keyed by (organization, seq), never holds an entry twice.
 * `period.closed` webhooks leave through `notices` the same way. Once D1 has an entry (and its
 * notice left), the counter forgets it: `ledger_entries` is the ledger of record.
 */
export class Outbox {
  /** The D1 database the ledger is mirrored to (the organization's tenant shard). */
  db: D1Database;
  private readonly storage: DurableObjectStorage;
  private readonly sql: SqlStorage;
  private readonly env: TenantEnv;
  /** The ledger's writer: it fills the outbox, and opens the period the snapshot reports. */
  private readonly periods: Periods;
  private readonly settings: Settings;
  private flushing: Promise<boolean> | null = null;

  constructor(storage: DurableObjectStorage, env: TenantEnv, periods: Periods, settings: Settings) {
    this.db = env.DB;
    this.storage = storage;
    this.sql = storage.sql;
    this.env = env;
    this.periods = periods;
    this.settings = settings;
  }

  /**
   * After a write that filled the outbox: make sure an alarm comes within FLUSH_DELAY_MS,
   * unless a failed flush is backing off (then its retry alarm stands).
   */
  scheduleFlush(): void {
    if (this.periods.takeRecorded()) this.wake();
  }

  /** Makes sure an alarm comes within FLUSH_DELAY_MS (unless a failed flush is backing off). */
  wake(): void {
    const failures = this.meta("flush_failures");
    void this.storage.getAlarm().then((alarm) => {
      const now = Date.now();
      if (alarm === null) return this.storage.setAlarm(now + (failures > 0 ? backoff(failures) : FLUSH_DELAY_MS));
      if (failures === 0 && alarm > now + FLUSH_DELAY_MS) return this.storage.setAlarm(now + FLUSH_DELAY_MS);
    });
  }

  /** Mirrors now, period snapshot included; what fails is left to the alarm. */
  async flushNow(organizationId: string): Promise<void> {
    if (await this.flush(organizationId, true)) return;
    this.periods.takeRecorded();
    this.wake();
  }

  /** The alarm's share: one flush, then the next alarm (at once, after a backoff, or in a day). */
  async onAlarm(organizationId: string | null): Promise<void> {
    const done = organizationId === null || (await this.flush(organizationId, false));
    const failures = this.meta("flush_failures");
    const pending = this.size() > 0 || this.sql.exec("SELECT 1 FROM notices LIMIT 1").toArray().length > 0;
    const next = !done ? Date.now() + backoff(failures) : pending ? Date.now() : Date.now() + IDLE_ALARM_MS;
    await this.storage.setAlarm(next);
  }

  /**
   * One flush of the outbox to D1 in one `batch()`. True when the outbox is empty afterwards.
   * Alarms are at-least-once and renew() may flush at the same time: the D1 side ignores
   * entries it has, and only entries D1 accepted are deleted here.
   */
  private async flush(organizationId: string, reportSnapshot: boolean): Promise<boolean> {
    while (this.flushing) await this.flushing;
    this.flushing = this.flushOnce(organizationId, reportSnapshot);
    try {
      return await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  private async flushOnce(organizationId: string, reportSnapshot: boolean): Promise<boolean> {
    const rows = this.sql
      .exec<CounterRow>(
        `SELECT l.id, l.at, l.kind, l.amount, l.allocation, l.balance_after, l.period_start, p.end AS period_end,
           l.event_id, l.identity, l.note, l.details
         FROM outbox o JOIN ledger l ON l.id = o.seq JOIN periods p ON p.start = l.period_start
         ORDER BY o.seq LIMIT ?`,
        FLUSH_LIMIT,
      )
      .toArray();
    if (rows.length === 0 && !reportSnapshot) {
      if (!(await this.sendNotices(organizationId))) return false;
      this.setMeta("flush_failures", 0);
      return true;
    }
    const entries = rows.map((r) => fromCounterRow(organizationId, r));
    const snapshot = this.snapshot(organizationId);
    const settings = this.settings.stored();
    const statements = mirrorStatements(this.db, entries, snapshot);
    if (settings) {
      statements.push(
        ...mirrorAllocation(
          this.db,
          {
            partnerId: settings.partnerId,
            organizationId,
            credits: settings.allocation,
            version: settings.allocationVersion,
          },
          null,
        ),
      );
    }
    try {
      await this.db.batch(statements);
    } catch (error) {
      this.setMeta("flush_failures", this.meta("flush_failures") + 1);
      console.warn(`ledger flush for ${organizationId} failed; the outbox keeps its entries`, String(error));
      return false;
    }
    if (rows.length > 0) this.sql.exec("DELETE FROM outbox WHERE seq <= ?", rows[rows.length - 1]!.id);
    this.forgetMirrored();
    if (!(await this.sendNotices(organizationId))) return false;
    this.setMeta("flush_failures", 0);
    return this.size() === 0;
  }

  /** `period.closed` webhooks for closes recorded in `notices` (same transaction as the close). */
  private async sendNotices(organizationId: string): Promise<boolean> {
    const rows = this.sql
      .exec<{ seq: number; details: string }>(
        "SELECT n.seq, l.details FROM notices n JOIN ledger l ON l.id = n.seq ORDER BY n.seq LIMIT 100",
      )
      .toArray();
    if (rows.length === 0) return true;
    try {
      const closes = rows.map((r) => ({
        ...(JSON.parse(r.details) as Omit<PeriodClosed, "entryId">),
        entryId: entryId(organizationId, r.seq),
      }));
      await emitPeriodClosed(this.env, closes);
    } catch (error) {
      this.setMeta("flush_failures", this.meta("flush_failures") + 1);
      console.warn(`period.closed for ${organizationId} not sent yet`, String(error));
      return false;
    }
    this.sql.exec("DELETE FROM notices WHERE seq <= ?", rows[rows.length - 1]!.seq);
    this.forgetMirrored();
    return true;
  }

  /** Ledger rows D1 has and whose notice left: the object does not need them any more. */
  private forgetMirrored(): void {
    this.sql.exec(
      `DELETE FROM ledger WHERE id < coalesce((SELECT min(seq) FROM outbox), 9e18)
         AND id NOT IN (SELECT seq FROM notices)`,
    );
  }

  /** The earliest period not closed yet (the current one unless a close is due), for D1. */
  private snapshot(organizationId: string): PeriodSnapshot {
    const open = this.periods.openPeriod(Date.now());
    const balance = balanceOf(open);
    // AUTOINCREMENT keeps the newest seq in sqlite_sequence, also once the rows are forgotten.
    const lastSeq =
      this.sql.exec<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'ledger'").toArray()[0]?.seq ?? 0;
    return {
      organizationId,
      periodStart: isoSeconds(open.start),
      periodEnd: isoSeconds(open.end),
      allocation: balance.allocation,
      used: balance.used,
      available: balance.available,
      lastSeq,
    };
  }

  private size(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }

  private meta(key: string): number {
    return this.sql.exec<{ value: number }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? 0;
  }

  private setMeta(key: string, value: number): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      value,
    );
  }
}

/** 2 s, 4 s, 8 s, … up to 10 minutes between failed flushes. */
function backoff(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(1, failures));
}
