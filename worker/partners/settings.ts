import type { PartnerStatus } from "../../shared/accounts";
import type { BillingMode, BillingPeriod } from "../../shared/billing";
import type { Env } from "../env";
import { poolFor } from "../credits/pool-client";
import { poolSettings } from "../credits/queries";
import { ApiError } from "../lib/errors";
import { writeThroughPartnerPixels } from "../pixel-config/record";
import { tenantEnv } from "../shards";
import { loadPartner, partnerOr404, type PartnerRow } from "./partner";
import { updatePartnerSettings } from "./queries";

/** An operator's change of a partner's settings; what is left out keeps its value. */
export interface PartnerSettingsChange {
  billingMode?: BillingMode;
  billingPeriod?: BillingPeriod;
  billingDayOfMonth?: number;
  creditPoolTotal?: number;
  /** null: no limit. */
  maxOrganizations?: number | null;
  maxIdentificationsPerOrg?: number | null;
  uncappedUsage?: boolean;
  status?: PartnerStatus;
  globalName?: string | null;
  retentionDays?: number;
}

const COLUMNS = {
  billingMode: "billing_mode",
  billingPeriod: "billing_period",
  billingDayOfMonth: "billing_day_of_month",
  creditPoolTotal: "credit_pool_total",
  maxOrganizations: "max_organizations",
  maxIdentificationsPerOrg: "max_identifications_per_org",
  uncappedUsage: "uncapped_usage",
  status: "status",
  globalName: "global_name",
  retentionDays: "retention_days",
} as const satisfies Record<keyof PartnerSettingsChange, keyof PartnerRow>;

type Field = keyof typeof COLUMNS;

/** What the partner's pool decides with. */
const POOL_FIELDS: Field[] = [
  "billingMode",
  "billingPeriod",
  "billingDayOfMonth",
  "creditPoolTotal",
  "maxIdentificationsPerOrg",
  "status",
];
/** What every organization's counter or KV pixel record carries. */
const COPIED_FIELDS: Field[] = ["billingMode", "maxIdentificationsPerOrg", "uncappedUsage", "status", "globalName"];

/** A change read from a partner another change overtook is worked out again from the newer one, at most this often. */
const ATTEMPTS = 5;

/**
 * The pool decides first, then D1 takes the change only if nothing else changed the partner since
 * it was read (`settings_version`). Two changes racing each other (a retry of a timed-out request,
 * two operators) could otherwise leave the pool with the slower one's stale copy of fields the
 * faster one changed: the loser is worked out again on top of the winner, pool included, so the
 * pool always ends with the settings D1 has.
 * Returns the partner as D1 has it then.
 */
export async function changePartnerSettings(
  env: Env,
  partnerId: string,
  change: PartnerSettingsChange,
): Promise<PartnerRow> {
  const db = env.CATALOG;
  const value = (field: Field) => (field === "uncappedUsage" ? Number(change.uncappedUsage) : (change[field] ?? null));
  let poolConfigured = false;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const before = await partnerOr404(db, partnerId);
    const changed = (Object.keys(COLUMNS) as Field[]).filter(
      (field) => change[field] !== undefined && value(field) !== before[COLUMNS[field]],
    );
    if (changed.length === 0 && !poolConfigured) return before;
    const after = { ...before, ...Object.fromEntries(changed.map((f) => [COLUMNS[f], value(f)])) } as PartnerRow;
    // The pool decides first (the total against the allocations; a new billing rule from its running period's end).
    let schedule: string | null = null;
    if (poolConfigured || changed.some((f) => POOL_FIELDS.includes(f))) {
      const result = await poolFor(env, partnerId).configure(poolSettings(after));
      poolConfigured = true;
      if (!result.ok) {
        throw new ApiError(
          "UnprocessableEntity",
          "The pool total cannot be less than the credits allocated to organizations",
          { creditPoolTotal: after.credit_pool_total, allocated: result.allocated },
        );
      }
      schedule = JSON.stringify(result.schedule);
    }
    const columns = changed.map((f): [keyof PartnerRow, unknown] => [COLUMNS[f], value(f)]);
    if (!(await updatePartnerSettings(db, partnerId, before.settings_version, columns, schedule))) continue;
    if (changed.some((f) => COPIED_FIELDS.includes(f)))
      await writeThroughPartnerPixels(tenantEnv(env, before.shard), partnerId);
    return loadPartner(db, partnerId);
  }
  throw new ApiError("Conflict", "The partner was changed by other requests meanwhile; send the change again", null);
}
