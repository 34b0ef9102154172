import { alarmOnDatabaseSizes } from "../capacity/alarm";
import { pruneDeadLetters } from "../dead-letters/consume";
import type { Env } from "../env";
import { resumeStalledErasures } from "../erasures/person";
import { forgetLeftLateErasures } from "../erasures/visitor";
import { pruneImportChunks } from "../imports/records";
import { resumeStalledPurges } from "../organizations/purge";
import { reconcileOrganizations } from "../organizations/sync";
import { releaseLapsedClaims } from "../partners/custom-domain";
import { maintainHostnames } from "../custom-hostnames/lifecycle";
import { maintainAlerts } from "../alerts/consume";
import { claimDueDigests, maintainDigests } from "../digests/job";
import { resumeStalledNotices } from "../email/notice-job";
import { renewDuePeriods } from "../credits/renewal";
import { pruneSignInLinks } from "../sessions/links";
import { pruneSessions } from "../sessions/sessions";
import { everyTenant } from "../shards";
import { maintainVisitors } from "../visitors/retention";
import { maintainWebhooks } from "../webhooks/consume";

/**
 * The cron (every 15 minutes, `[triggers]` in wrangler.toml): upkeep of the catalog, then of every shard.
 * `scheduledTime` is the run's (ms): what is due by then is due now.
 */
export async function runCron(env: Env, scheduledTime = Date.now()): Promise<void> {
  await pruneSignInLinks(env.CATALOG);
  await pruneSessions(env.CATALOG);
  await pruneImportChunks(env.CATALOG);
  await releaseLapsedClaims(env.CATALOG);
  // Partners' custom hostnames at Cloudflare: created, re-read with backoff until active or failed, deleted when unclaimed.
  await maintainHostnames(env);
  await pruneDeadLetters(env.CATALOG);
  // A database near D1's limit is reported to the operator's webhook (docs/operations.md#database-size-alarm).
  await alarmOnDatabaseSizes(env);
  for (const tenant of everyTenant(env)) {
    // Webhook deliveries whose queue message was lost are sent again, old logs pruned (docs/webhooks.md); never throws.
    await maintainWebhooks(tenant);
    // Alert deliveries whose message was lost are sent again, old logs and ended cooldowns pruned (docs/alerts.md).
    await maintainAlerts(tenant);
    // Billing periods renew without waiting for a request (see docs/billing.md); copies of D1 that a
    // failed write-through left behind (counters, KV pixel records) are repaired (docs/collect.md). All through JOBS.
    await renewDuePeriods(tenant);
    await reconcileOrganizations(tenant);
    // A person's erasure or an organization's purge whose job was lost resumes where it stopped (docs/privacy.md).
    await resumeStalledErasures(tenant);
    await resumeStalledPurges(tenant);
    // An e-mail notice whose job was lost is queued again (docs/partner-api.md#email-preferences).
    await resumeStalledNotices(tenant);
    // Digests due by this run's time are claimed and sent through JOBS; lost ones queued again (docs/alerts.md#digests).
    await claimDueDigests(tenant, Math.floor(scheduledTime / 1000)).catch((error) =>
      console.error("claiming due digests failed", error),
    );
    await maintainDigests(tenant);
    // Retention of identified visitors, yesterday's device rows (docs/collect.md).
    await maintainVisitors(tenant);
    // Visitors charged after their person's erasure that the consumer could not have forgotten (N3).
    await forgetLeftLateErasures(tenant).catch((error) => console.error("late erasures failed", error));
  }
}
