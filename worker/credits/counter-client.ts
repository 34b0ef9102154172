import type { BillingMode, BillingPeriod } from "../../shared/billing";
import type { Env } from "../env";
import type { CounterConfig } from "./types";

/** The credit counter of an organization (one Durable Object per organization id). */
export function counterFor(env: Env, organizationId: string) {
  return env.CREDITS.get(env.CREDITS.idFromName(organizationId));
}

export interface CounterSource {
  id: string;
  billing_period: BillingPeriod;
  billing_day_of_month: number;
  credits: number;
  created_at: string;
  billing_mode: BillingMode;
}

export function counterConfig(row: CounterSource): CounterConfig {
  return {
    organizationId: row.id,
    billingMode: row.billing_mode,
    billingPeriod: row.billing_period,
    billingDayOfMonth: row.billing_day_of_month,
    anchorMonth: new Date(row.created_at).getUTCMonth(),
    allocation: row.credits,
  };
}

/** An organization's billing settings in D1, as its counter needs them; null when there is no such organization. */
export async function readCounterConfig(db: D1Database, organizationId: string): Promise<CounterConfig | null> {
  const row = await db
    .prepare(
      `SELECT o.id, o.billing_period, o.billing_day_of_month, o.credits, o.created_at, p.billing_mode
       FROM organizations o JOIN partners p ON p.id = o.partner_id WHERE o.id = ?`,
    )
    .bind(organizationId)
    .first<CounterSource>();
  return row ? counterConfig(row) : null;
}

/** Writes an organization's billing settings from D1 into its counter (after they changed). */
export async function configureCounter(env: Env, organizationId: string) {
  const config = await readCounterConfig(env.DB, organizationId);
  if (!config) throw new Error(`organization ${organizationId} not found`);
  return counterFor(env, organizationId).configure(config);
}
