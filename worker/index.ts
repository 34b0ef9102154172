import { Hono } from "hono";
import { adminApi } from "./admin";
import { pruneImportChunks } from "./admin/records";
import { hitRoute } from "./collect/hit-route";
import { scriptRoute } from "./collect/script-route";
import { consumeHits } from "./collect/consume";
import { isHitQueue } from "./collect/hit-queues";
import { demoSite } from "./demo/site";
import type { AppEnv, Env } from "./env";
import { everyTenant } from "./shards";
import { ApiError } from "./lib/errors";
import { handleError } from "./http/errors";
import { createApi } from "./http/routes";
import { partnerApi, partnerApiDocument } from "./partner-api";
import { releaseLapsedClaims } from "./partner-api/domain/queries";
import type { HitMessage } from "./collect/message";
import { consumeJobs } from "./jobs/consume";
import { JOBS_QUEUE, type JobMessage } from "./jobs/message";
import {
  WEBHOOKS_DLQ,
  WEBHOOKS_QUEUE,
  consumeWebhookDeadLetters,
  consumeWebhooks,
  maintainWebhooks,
} from "./webhooks/consume";
import type { WebhookMessage } from "./webhooks/message";
import { renewDuePeriods } from "./credits/renewal";
import { reconcileOrganizations } from "./organizations/sync";
import { dashboardApp } from "./dashboard";
import { pruneSignInLinks } from "./sessions/links";
import { pruneSessions } from "./sessions/sessions";
import { PLATFORM_BASE } from "./sessions/places";
import { consumeDeadLetters, HITS_DLQ, JOBS_DLQ, pruneDeadLetters } from "./dead-letters/consume";
import { maintainVisitors } from "./visitors/retention";
import { resumeStalledErasures } from "./erasures/person";
import { consumeNotifications, maintainAlerts } from "./alerts/consume";
import { NOTIFICATIONS_DLQ, NOTIFICATIONS_QUEUE, type NotificationMessage } from "./alerts/message";
import { resumeStalledPurges } from "./organizations/purge";
import { alarmOnDatabaseSizes } from "./capacity/alarm";
import { resumeStalledNotices } from "./email/notice-job";
import { claimDueDigests, maintainDigests } from "./digests/job";

export { CreditCounter } from "./credits/counter";
export { CreditPool } from "./credits/pool";
export { RateLimiter } from "./rate-limit/limiter";

const api = createApi();
api.route("/partner", partnerApi);
api.route("/admin", adminApi);
// Public: the partner API only. The operator API's document is at /admin/openapi.json, behind the operator key.
api.get("/openapi.json", (c) => c.json(partnerApiDocument(new URL(c.req.url).origin)));

const app = new Hono<AppEnv>();
app.onError(handleError);
app.notFound((c) => handleError(new ApiError("NotFound", `No route for ${c.req.method} ${c.req.path}`), c));
app.get("/health", (c) => c.json({ ok: true }));
app.route("/", scriptRoute);
app.route("/", hitRoute);
app.route("/api/v1", api);
app.route("/demo", demoSite);
app.get(`${PLATFORM_BASE}/`, (c) => c.redirect(PLATFORM_BASE, 301));
app.route(PLATFORM_BASE, dashboardApp(PLATFORM_BASE));
// Anything else may be a page of a partner's dashboard on its verified custom domain (else 404).
const partnerDomains = dashboardApp("");
app.all("*", (c) => partnerDomains.fetch(c.req.raw, c.env, c.executionCtx));

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    // Several queues, one consumer Worker: route by the queue the batch came from.
    if (batch.queue === WEBHOOKS_DLQ) await consumeWebhookDeadLetters(batch as MessageBatch<WebhookMessage>, env);
    else if (batch.queue === HITS_DLQ || batch.queue === JOBS_DLQ) await consumeDeadLetters(batch, env);
    else if (batch.queue === WEBHOOKS_QUEUE) await consumeWebhooks(batch as MessageBatch<WebhookMessage>, env);
    else if (batch.queue === JOBS_QUEUE) await consumeJobs(batch as MessageBatch<JobMessage>, env);
    else if (batch.queue === NOTIFICATIONS_QUEUE || batch.queue === NOTIFICATIONS_DLQ)
      await consumeNotifications(batch as MessageBatch<NotificationMessage>, env);
    else if (isHitQueue(batch.queue)) await consumeHits(batch as MessageBatch<HitMessage>, env);
    else throw new Error(`no consumer for queue ${batch.queue}`);
  },
  async scheduled(controller, env, _ctx) {
    // Webhook deliveries whose queue message was lost are sent again, old logs pruned (docs/webhooks.md); never throws.
    await pruneSignInLinks(env.CATALOG);
    await pruneSessions(env.CATALOG);
    await pruneImportChunks(env.CATALOG);
    await releaseLapsedClaims(env.CATALOG);
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
      await claimDueDigests(tenant, Math.floor(controller.scheduledTime / 1000)).catch((error) =>
        console.error("claiming due digests failed", error),
      );
      await maintainDigests(tenant);
      // Retention of identified visitors, yesterday's device rows (docs/collect.md).
      await maintainVisitors(tenant);
    }
  },
} satisfies ExportedHandler<Env, HitMessage | JobMessage | WebhookMessage | NotificationMessage>;
