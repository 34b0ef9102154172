import type { BillingMode } from "../../shared/billing";
import type { Schedule } from "../billing/period";
import type { PoolSettings } from "./types";

/** The partner's settings as its pool keeps them. */
export interface StoredSettings {
  partnerId: string;
  billingMode: BillingMode;
  total: number;
  maxPerOrganization: number | null;
  active: boolean;
  schedule: Schedule;
}

/** The pool's copy of its partner's settings (its `config` row), with the billing schedule it runs. */
export class PoolConfig {
  constructor(private readonly sql: SqlStorage) {}

  write(settings: PoolSettings, schedule: Schedule): void {
    this.sql.exec(
      `INSERT INTO config (id, partner_id, billing_mode, total, max_per_organization, active, schedule)
       VALUES (1, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET billing_mode = excluded.billing_mode, total = excluded.total,
         max_per_organization = excluded.max_per_organization, active = excluded.active, schedule = excluded.schedule`,
      settings.partnerId,
      settings.billingMode,
      settings.total,
      settings.maxPerOrganization,
      settings.active ? 1 : 0,
      JSON.stringify(schedule),
    );
  }

  stored(): StoredSettings | null {
    const row = this.sql
      .exec<{
        partner_id: string;
        billing_mode: BillingMode;
        total: number;
        max_per_organization: number | null;
        active: number;
        schedule: string;
      }>("SELECT * FROM config WHERE id = 1")
      .toArray()[0];
    if (!row) return null;
    return {
      partnerId: row.partner_id,
      billingMode: row.billing_mode,
      total: row.total,
      maxPerOrganization: row.max_per_organization,
      active: row.active === 1,
      schedule: JSON.parse(row.schedule) as Schedule,
    };
  }
}
