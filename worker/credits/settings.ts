import type { BillingMode } from "../../shared/billing";
import { scheduleOf, type Schedule } from "../billing/period";
import type { Shard } from "../shards";
import type { CounterConfig } from "./types";

/** The counter's own copy of its organization's settings. */
export interface Stored extends Omit<CounterConfig, "billingPeriod" | "billingDayOfMonth" | "anchorMonth"> {
  schedule: Schedule;
  heldAt: number | null;
}

/**
 * The counter's settings (its `config` row): taken from D1 with versions, so a late or repeated
 * write never undoes a newer one, and held while a status change is on its way.
 */
export class Settings {
  constructor(
    private readonly sql: SqlStorage,
    /** The counter's name, for errors. */
    private readonly name: string,
  ) {}

  /** The organization's settings; throws when its organization is not in D1 either. */
  config(): Stored {
    const config = this.stored();
    if (!config) throw new Error(`credit counter ${this.name}: organization not found`);
    return config;
  }

  stored(): Stored | null {
    const row = this.sql
      .exec<{
        organization_id: string;
        partner_id: string;
        billing_mode: BillingMode;
        schedule: string;
        allocation: number;
        allocation_version: number;
        active: number;
        max_per_period: number | null;
        uncapped_usage: number;
        settings_version: number;
        held_at: number | null;
      }>("SELECT * FROM config WHERE id = 1")
      .toArray()[0];
    if (!row) return null;
    return {
      organizationId: row.organization_id,
      partnerId: row.partner_id,
      billingMode: row.billing_mode,
      schedule: JSON.parse(row.schedule) as Schedule,
      allocation: row.allocation,
      allocationVersion: row.allocation_version,
      active: row.active === 1,
      maxPerPeriod: row.max_per_period,
      uncappedUsage: row.uncapped_usage === 1,
      settingsVersion: row.settings_version,
      heldAt: row.held_at,
    };
  }

  /**
   * Takes D1's settings: status and partner settings by `settingsVersion` (`confirm`: also when
   * their version is the one held), the allocation by `allocationVersion`; older versions change
   * nothing. The billing rule is the caller's: it changes at a period's end.
   */
  take(config: CounterConfig, confirm: boolean): void {
    const stored = this.stored();
    if (!stored) return this.insert(config);
    if (
      config.settingsVersion > stored.settingsVersion ||
      (confirm && config.settingsVersion >= stored.settingsVersion)
    ) {
      this.sql.exec(
        `UPDATE config SET partner_id = ?, billing_mode = ?, active = ?, max_per_period = ?, uncapped_usage = ?,
           settings_version = ?, held_at = NULL`,
        config.partnerId,
        config.billingMode,
        config.active ? 1 : 0,
        config.maxPerPeriod,
        config.uncappedUsage ? 1 : 0,
        config.settingsVersion,
      );
    }
    if (config.allocationVersion > stored.allocationVersion)
      this.setAllocation(config.allocation, config.allocationVersion);
  }

  setAllocation(credits: number, version: number): void {
    this.sql.exec("UPDATE config SET allocation = ?, allocation_version = ?", credits, version);
  }

  setSchedule(schedule: Schedule): void {
    this.sql.exec("UPDATE config SET schedule = ?", JSON.stringify(schedule));
  }

  /** Stops charging until newer settings come (a no-op while already held). */
  hold(at: number): void {
    this.sql.exec("UPDATE config SET held_at = ? WHERE held_at IS NULL", at);
  }

  /**
   * The tenant shard of the organization, from the counter's name (`<shard>/<organization id>`);
   * kept, because an alarm may wake the object without its name.
   */
  shard(named: Shard | undefined): Shard | undefined {
    const kept = this.sql.exec<{ value: Shard }>("SELECT value FROM meta WHERE key = 'shard'").toArray()[0]?.value;
    if (named !== undefined && kept === undefined)
      this.sql.exec("INSERT INTO meta (key, value) VALUES ('shard', ?)", named);
    return named ?? kept;
  }

  private insert(config: CounterConfig): void {
    const schedule = scheduleOf({
      period: config.billingPeriod,
      dayOfMonth: config.billingDayOfMonth,
      anchorMonth: config.anchorMonth,
    });
    this.sql.exec(
      `INSERT INTO config (id, organization_id, partner_id, billing_mode, schedule, allocation, allocation_version,
         active, max_per_period, uncapped_usage, settings_version)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      config.organizationId,
      config.partnerId,
      config.billingMode,
      JSON.stringify(schedule),
      config.allocation,
      config.allocationVersion,
      config.active ? 1 : 0,
      config.maxPerPeriod,
      config.uncappedUsage ? 1 : 0,
      config.settingsVersion,
    );
  }
}
