import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import { attemptDelivery } from "../../worker/webhooks/deliver";
import { emitChargedHits } from "../../worker/collect/hit-events";
import { emitEvents, eventId, type WebhookEvent } from "../../worker/webhooks/events";
import { RETRY_OFFSETS_S } from "../../worker/webhooks/schedule";
import type { WebhookMessage } from "../../worker/webhooks/message";
import { maintainWebhooks } from "../../worker/webhooks/consume";
import { eventTypeOf, receiverBucket } from "../fixtures/receiver";
import { bullseyeSignature, verifyStandardWebhook } from "../fixtures/standard-webhooks";
import { admin, expectEnvelope } from "./support/api";
import { importCompany, newOrganization, newPartner, tenantOf } from "./support/partners";
import { freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";

/** A billing event for the partner, as the billing engine would emit it. */
async function usageEvent(partnerId: string, organizationId = "org_test"): Promise<WebhookEvent> {
  const cause = crypto.randomUUID();
  return {
    id: await eventId("usage.recorded", cause),
    type: "usage.recorded",
    partnerId,
    organizationId,
    createdAt: Date.now(),
    data: {
      organizationId,
      externalId: null,
      credits: 1,
      identityType: "company",
      periodStart: "2026-11-01T00:00:00Z",
      creditsUsed: 1,
      creditsAvailable: 9,
      creditsAllocated: 10,
    },
  };
}

type PartnerApi = Awaited<ReturnType<typeof newPartner>>["api"];

/** Waits for a delivery in the partner's delivery log (the endpoint partners use). */
async function waitForDelivery(api: PartnerApi, match: (d: Record<string, unknown>) => boolean, timeout = 15_000) {
  return vi.waitFor(
    async () => {
      const res = await api("GET", "/webhooks/logs?pageSize=100");
      const found = (res.body.deliveries as Record<string, unknown>[]).find(match);
      if (!found) throw new Error("delivery not there yet");
      return found;
    },
    { timeout, interval: 100 },
  );
}

const DAY_MS = 24 * 3600_000;

describe("webhooks: delivery", () => {
  it(
    "delivers a charged identification as visitor.identified and usage.recorded, each signed with its webhook's secret",
    { timeout: 30_000 },
    async () => {
      const { api, partner, organization, pixelKey } = await newOrganization({
        externalId: "client-42",
        initialCredits: 100,
      });
      const receiver = receiverBucket();
      const identificationSecret = (await api("PUT", "/webhooks/identification", { url: receiver.url("ok") })).body
        .secret as string;
      const billingSecret = (await api("PUT", "/webhooks/billing", { url: receiver.url("ok") })).body.secret as string;
      const ip = freshIp();
      await importCompany(`${ip}/32`, "Acme Corp");

      const hit = pageView(pixelKey, "https://client.example/pricing?utm_source=news");
      expect((await sendHit(hit, { ip })).status).toBe(204);
      const received = await receiver.waitFor(2);
      const identified = received.find((r) => eventTypeOf(r) === "visitor.identified")!;
      const usage = received.find((r) => eventTypeOf(r) === "usage.recorded")!;

      expect(await verifyStandardWebhook(identified.headers, identified.body, identificationSecret)).toBe(true);
      expect(await verifyStandardWebhook(identified.headers, identified.body, billingSecret)).toBe(false);
      expect(await verifyStandardWebhook(usage.headers, usage.body, billingSecret)).toBe(true);
      expect(usage.headers["x-bullseye-signature"]).toBe(await bullseyeSignature(usage.body, billingSecret));

      expect(JSON.parse(identified.body)).toMatchObject({
        id: identified.headers["webhook-id"],
        type: "visitor.identified",
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        partnerId: partner.id,
        organizationId: organization.id,
        externalId: "client-42",
        visitor: { id: expect.stringMatching(/^vis_/), type: "company" },
        company: { name: "Acme Corp", industry: "Software" },
        person: null,
        session: { landingPage: "/pricing", pagesVisited: 1, utmSource: "news", deviceType: "desktop" },
      });
      expect(JSON.parse(usage.body)).toMatchObject({
        type: "usage.recorded",
        partnerId: partner.id,
        organizationId: organization.id,
        externalId: "client-42",
        credits: 1,
        identityType: "company",
        creditsUsed: 1,
        creditsAvailable: 99,
        periodStart: organization.currentPeriodStart,
      });

      // The delivery log: one row per event, each with its attempt's status code and latency.
      const logs = await api("GET", `/webhooks/logs?organizationId=${organization.id}`);
      expect(logs.status).toBe(200);
      expect(logs.body).toMatchObject({ total: 2, page: 1, pageSize: 20 });
      expect(logs.body.deliveries.map((d: { status: string }) => d.status)).toEqual(["succeeded", "succeeded"]);
      const billingOnly = await api("GET", "/webhooks/logs?type=billing");
      expect(billingOnly.body.deliveries).toHaveLength(1);
      expect(billingOnly.body.deliveries[0]).toMatchObject({
        eventType: "usage.recorded",
        eventId: usage.headers["webhook-id"],
        attempts: 1,
        lastStatusCode: 200,
      });
      const detail = await api("GET", `/webhooks/logs/${billingOnly.body.deliveries[0].id}`);
      expect(detail.body.delivery.payload).toBe(usage.body);
      expect(detail.body.attempts).toEqual([
        expect.objectContaining({
          attempt: 1,
          statusCode: 200,
          error: null,
          succeeded: true,
          latencyMs: expect.any(Number),
        }),
      ]);
    },
  );

  it(
    "describes a B2C visitor identified by identify() as a person, without the email or its hash",
    { timeout: 30_000 },
    async () => {
      const { api, organization, pixelKey } = await newOrganization({ productType: "B2C" });
      const receiver = receiverBucket();
      const secret = (await api("PUT", "/webhooks/identification", { url: receiver.url("ok") })).body.secret as string;
      const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("jane.doe@example.com"));
      const hash = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
      await admin("POST", "/people", [
        { emailSha256: hash, name: "Jane Doe", jobTitle: "CTO", emailDomain: "example.com" },
      ]);
      const ip = freshIp();
      await sendHit(pageView(pixelKey, "https://shop.example/?utm_campaign=spring"), { ip });
      await sendHit({ k: pixelKey, t: "i", i: crypto.randomUUID(), u: "https://shop.example/", h: hash }, { ip });

      const [received] = await receiver.waitFor(1);
      expect(await verifyStandardWebhook(received!.headers, received!.body, secret)).toBe(true);
      expect(JSON.parse(received!.body)).toMatchObject({
        type: "visitor.identified",
        organizationId: organization.id,
        visitor: { type: "person" },
        company: null,
        person: { name: "Jane Doe", jobTitle: "CTO", emailDomain: "example.com" },
        session: { landingPage: "/", utmCampaign: "spring" },
      });
      expect(received!.body).not.toContain(hash);
      expect(received!.body).not.toContain("jane.doe");
    },
  );

  it(
    "sends credits.low once per period at the partner's threshold and credits.exhausted with the last credit",
    { timeout: 30_000 },
    async () => {
      const { api, organization, pixelKey } = await newOrganization({ initialCredits: 4 });
      const receiver = receiverBucket();
      await api("PUT", "/webhooks/billing", { url: receiver.url("ok"), lowCreditThresholdPercent: 50 });
      for (let i = 0; i < 5; i++) {
        const ip = freshIp();
        await importCompany(`${ip}/32`);
        expect((await sendHit(pageView(pixelKey), { ip })).status).toBe(204);
      }
      // The consumer emits a hit's events before it stores the hit's outcome: once all five are stored,
      // every event they will ever cause is in the log, and the receiver has them once all succeeded.
      await waitForReceipts(organization.id, 5);
      const logged = await vi.waitFor(
        async () => {
          const deliveries = (await api("GET", "/webhooks/logs?pageSize=100")).body.deliveries as { status: string }[];
          if (deliveries.some((d) => d.status !== "succeeded")) throw new Error("deliveries still pending");
          return deliveries;
        },
        { timeout: 15_000, interval: 100 },
      );
      const received = await receiver.waitFor(logged.length);
      const all = await receiver.received();
      expect(all).toHaveLength(logged.length);
      const types = all.map(eventTypeOf);
      expect(types.filter((t) => t === "usage.recorded")).toHaveLength(4); // the fifth company found no credit
      expect(types.filter((t) => t === "credits.low")).toHaveLength(1);
      expect(types.filter((t) => t === "credits.exhausted")).toHaveLength(1);
      const low = JSON.parse(received.find((r) => eventTypeOf(r) === "credits.low")!.body);
      expect(low).toMatchObject({
        organizationId: organization.id,
        creditsAllocated: 4,
        creditsAvailable: 2,
        creditsUsed: 2,
        thresholdPercent: 50,
      });
      const exhausted = JSON.parse(all.find((r) => eventTypeOf(r) === "credits.exhausted")!.body);
      expect(exhausted).toMatchObject({ organizationId: organization.id, creditsAvailable: 0, creditsUsed: 4 });
    },
  );

  it(
    "retries after a 500 with the same webhook-id and body, then records the success",
    { timeout: 40_000 },
    async () => {
      const { api, partner } = await newPartner();
      const receiver = receiverBucket();
      const secret = (await api("PUT", "/webhooks/billing", { url: receiver.url("fail/1/500") })).body.secret as string;
      const event = await usageEvent(partner.id);
      await emitEvents(await tenantOf(partner.id), [event]);

      // The second attempt comes from the queue, about 10 s after the first.
      const [first, second] = await receiver.waitFor(2, () => true, 30_000);
      expect(second!.headers["webhook-id"]).toBe(first!.headers["webhook-id"]);
      expect(second!.headers["webhook-id"]).toBe(event.id);
      expect(second!.body).toBe(first!.body);
      expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(9_000);
      for (const r of [first, second]) expect(await verifyStandardWebhook(r!.headers, r!.body, secret)).toBe(true);

      const delivery = await waitForDelivery(api, (d) => d.eventId === event.id && d.status === "succeeded");
      expect(delivery).toMatchObject({
        attempts: 2,
        lastStatusCode: 200,
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: expect.any(String),
      });
      const detail = await api("GET", `/webhooks/logs/${delivery.id}`);
      expect(detail.body.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 200]);
      expect(detail.body.attempts[0]).toMatchObject({ succeeded: false, error: expect.stringContaining("HTTP 500") });
    },
  );

  it(
    "counts an answer slower than the timeout as a failed attempt and schedules a retry",
    { timeout: 30_000 },
    async () => {
      const { api, partner } = await newPartner();
      const receiver = receiverBucket();
      await api("PUT", "/webhooks/billing", { url: receiver.url("sleep/6000") });
      const event = await usageEvent(partner.id);
      await emitEvents(await tenantOf(partner.id), [event]);

      const delivery = await waitForDelivery(api, (d) => d.eventId === event.id && d.attempts === 1, 20_000);
      expect(delivery).toMatchObject({
        status: "pending",
        lastStatusCode: null,
        lastError: "No response within 3000 ms",
      });
      expect(Date.parse(delivery.nextAttemptAt as string)).toBeGreaterThan(Date.parse(delivery.createdAt as string));
      const detail = await api("GET", `/webhooks/logs/${delivery.id}`);
      expect(detail.body.attempts[0].latencyMs).toBeGreaterThanOrEqual(2_900);
      expect(detail.body.attempts[0].latencyMs).toBeLessThan(6_000);
      // The receiver did get the request: a late answer is still a failure, and the retry repeats the same webhook-id.
      expect((await receiver.received())[0]!.headers["webhook-id"]).toBe(event.id);
    },
  );

  it("retries on the 10 s, 1 min, 5 min, 30 min, 2 h, 8 h, 24 h schedule, then marks the delivery failed", async () => {
    const { api, partner } = await newPartner();
    const receiver = receiverBucket();
    await api("PUT", "/webhooks/billing", { url: receiver.url("status/503") });
    const event = await usageEvent(partner.id);
    await emitEvents(await tenantOf(partner.id), [event]);
    const delivery = await waitForDelivery(api, (d) => d.eventId === event.id && d.attempts === 1);
    const detail = await api("GET", `/webhooks/logs/${delivery.id}`);
    const first = Date.parse(detail.body.attempts[0].startedAt);
    expect(Date.parse(delivery.nextAttemptAt as string)).toBe(first + 10_000);

    // Later attempts, driven with the clock of their scheduled time instead of waiting a day.
    const nextTimes: (number | null)[] = [];
    for (const offset of RETRY_OFFSETS_S) {
      const outcome = await attemptDelivery(await tenantOf(partner.id), delivery.id as string, {
        now: first + offset * 1000,
      });
      expect(outcome.kind).toBe("attempted");
      if (outcome.kind === "attempted") nextTimes.push(outcome.nextAttemptAt);
    }
    expect(nextTimes).toEqual([...RETRY_OFFSETS_S.slice(1).map((s) => first + s * 1000), null]);
    const done = await api("GET", `/webhooks/logs/${delivery.id}`);
    expect(done.body.delivery).toMatchObject({
      status: "failed",
      attempts: 8,
      nextAttemptAt: null,
      lastStatusCode: 503,
    });
    expect(new Set((await receiver.received()).map((r) => r.headers["webhook-id"]))).toEqual(new Set([event.id]));
    expect((await api("GET", "/webhooks/logs?status=failed")).body.total).toBe(1);
  });

  it("redelivers a failed delivery on request with the same webhook-id, after the endpoint is fixed", async () => {
    const { api, partner } = await newPartner();
    const broken = receiverBucket();
    const fixed = receiverBucket();
    const secret = (await api("PUT", "/webhooks/billing", { url: broken.url("status/500") })).body.secret as string;
    const event = await usageEvent(partner.id);
    await emitEvents(await tenantOf(partner.id), [event]);
    const delivery = await waitForDelivery(api, (d) => d.eventId === event.id && d.attempts === 1);
    await attemptDelivery(await tenantOf(partner.id), delivery.id as string, { now: Date.now() + 2 * DAY_MS }); // past the schedule: failed
    expect((await api("GET", `/webhooks/logs/${delivery.id}`)).body.delivery.status).toBe("failed");

    await api("PUT", "/webhooks/billing", { url: fixed.url("ok") });
    const res = await api("POST", `/webhooks/logs/${delivery.id}/redeliver`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.delivery).toMatchObject({ id: delivery.id, status: "succeeded", attempts: 3, lastStatusCode: 200 });
    expect(res.body.attempt).toMatchObject({ attempt: 3, statusCode: 200, succeeded: true });
    const [received] = await fixed.waitFor(1);
    expect(received!.headers["webhook-id"]).toBe(event.id);
    expect(await verifyStandardWebhook(received!.headers, received!.body, secret)).toBe(true);

    const other = await newPartner();
    expectEnvelope(await other.api("POST", `/webhooks/logs/${delivery.id}/redeliver`), 404, "NotFound");
    expectEnvelope(await other.api("GET", `/webhooks/logs/${delivery.id}`), 404, "NotFound");
  });

  it("signs with both secrets during a rotation's overlap, each verifiable on its own", async () => {
    const { api } = await newPartner();
    const receiver = receiverBucket();
    const oldSecret = (await api("PUT", "/webhooks/identification", { url: receiver.url("ok") })).body.secret as string;
    const rotated = await api("PUT", "/webhooks/identification", { rotateSecret: true });
    expect(rotated.status, rotated.text).toBe(200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const overlapEnd = Date.parse(rotated.body.webhook.previousSecretExpiresAt);
    expect(overlapEnd - Date.now()).toBeGreaterThan(DAY_MS - 60_000);
    expect(overlapEnd - Date.now()).toBeLessThanOrEqual(DAY_MS);

    await api("POST", "/webhooks/test", { type: "identification" });
    const [received] = await receiver.waitFor(1);
    const entries = received!.headers["webhook-signature"]!.split(" ");
    expect(entries).toHaveLength(2);
    for (const entry of entries) expect(entry).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(
      await verifyStandardWebhook(
        { ...received!.headers, "webhook-signature": entries[0]! },
        received!.body,
        newSecret,
      ),
    ).toBe(true);
    expect(
      await verifyStandardWebhook(
        { ...received!.headers, "webhook-signature": entries[1]! },
        received!.body,
        oldSecret,
      ),
    ).toBe(true);
    expect(received!.headers["x-bullseye-signature"]).toBe(await bullseyeSignature(received!.body, newSecret));
  });

  it("disables an endpoint that keeps failing, says why, and resumes when the partner enables it again", async () => {
    const { api, partner } = await newPartner();
    const receiver = receiverBucket();
    await api("PUT", "/webhooks/billing", { url: receiver.url("status/500") });
    const event = await usageEvent(partner.id);
    await emitEvents(await tenantOf(partner.id), [event]);
    const delivery = await waitForDelivery(api, (d) => d.eventId === event.id && d.attempts === 1);
    // A short policy for the test: three consecutive failures, however quickly.
    const strict = {
      ...(await tenantOf(partner.id)),
      WEBHOOK_DISABLE_AFTER_FAILURES: "3",
      WEBHOOK_DISABLE_AFTER_HOURS: "0",
    };
    const first = Date.parse((await api("GET", `/webhooks/logs/${delivery.id}`)).body.attempts[0].startedAt);
    await attemptDelivery(strict, delivery.id as string, { now: first + 10_000 });
    expect((await api("GET", "/webhooks")).body.billing.enabled).toBe(true);
    await attemptDelivery(strict, delivery.id as string, { now: first + 60_000 });

    const config = (await api("GET", "/webhooks")).body.billing;
    expect(config).toMatchObject({
      enabled: false,
      disabledReason: expect.stringContaining("3 consecutive failed"),
      disabledAt: expect.any(String),
    });
    expect((await api("GET", "/me")).body.partner.billingWebhookEnabled).toBe(false);

    // Not retried any more: the pending delivery fails at its next turn, new events are logged as failed.
    const next = await attemptDelivery(await tenantOf(partner.id), delivery.id as string, { now: first + 300_000 });
    expect(next.kind).toBe("settled");
    const later = await usageEvent(partner.id);
    await emitEvents(await tenantOf(partner.id), [later]);
    const skipped = await waitForDelivery(api, (d) => d.eventId === later.id);
    expect(skipped).toMatchObject({
      status: "failed",
      attempts: 0,
      lastError: expect.stringContaining("Endpoint disabled"),
    });
    expectEnvelope(await api("POST", `/webhooks/logs/${skipped.id}/redeliver`), 422, "UnprocessableEntity");
    const requestsWhileDisabled = (await receiver.received()).length;
    expect(requestsWhileDisabled).toBe(3);

    const enabled = await api("PUT", "/webhooks/billing", { enabled: true, url: receiver.url("ok") });
    expect(enabled.body.webhook).toMatchObject({ enabled: true, disabledReason: null });
    const redelivered = await api("POST", `/webhooks/logs/${skipped.id}/redeliver`);
    expect(redelivered.body.delivery).toMatchObject({ status: "succeeded", attempts: 1 });
  });

  it("emits a charged identification's events once even when the consumer runs twice", async () => {
    const { api, partner, organization, pixelKey } = await newOrganization({ initialCredits: 10 });
    const receiver = receiverBucket();
    await api("PUT", "/webhooks/billing", { url: receiver.url("ok") });
    const hit = pageView(pixelKey);
    const charged = {
      message: {
        kind: "hit" as const,
        hit,
        organizationId: organization.id,
        shard: partner.shard,
        partnerId: partner.id,
        productType: "B2B" as const,
        ip: freshIp(),
        userAgent: null,
        country: null,
        region: null,
        city: null,
        bot: false,
        hashRouting: false,
        receivedAt: Date.now(),
      },
      identityType: "company" as const,
      visitor: "AAAAAAAAAAA",
      session: Math.floor(Date.now() / 1000),
      outcome: {
        eventId: hit.i,
        reason: "charged" as const,
        periodStart: Date.parse(organization.currentPeriodStart),
        used: 1,
        allocation: 10,
        available: 9,
      },
    };
    // A queue replay of the same batch (e.g. the consumer crashed after emitting).
    await emitChargedHits(await tenantOf(partner.id), [charged]);
    await emitChargedHits(await tenantOf(partner.id), [charged]);
    // The control, emitted after the replay through the same queue: once it arrived, the replay had its turn.
    const control = await usageEvent(partner.id, organization.id);
    await emitEvents(await tenantOf(partner.id), [control]);

    await receiver.waitFor(1, (r) => r.headers["webhook-id"] === control.id);
    await waitForDelivery(api, (d) => d.eventId === control.id && d.status === "succeeded");
    const charge = (await receiver.received()).filter((r) => r.headers["webhook-id"] !== control.id);
    expect(charge).toHaveLength(1);
    const logs = await api("GET", "/webhooks/logs");
    expect(logs.body.total).toBe(2);
    expect(logs.body.deliveries.find((d: { eventId: string }) => d.eventId !== control.id)).toMatchObject({
      eventType: "usage.recorded",
      status: "succeeded",
      attempts: 1,
    });
  });

  it("marks a dead-lettered delivery failed so it shows in the log and can be redelivered", async () => {
    const { api, partner } = await newPartner();
    const receiver = receiverBucket();
    await api("PUT", "/webhooks/billing", { url: receiver.url("status/500") });
    const event = await usageEvent(partner.id);
    await emitEvents(await tenantOf(partner.id), [event]);
    const delivery = await waitForDelivery(api, (d) => d.eventId === event.id && d.attempts === 1);

    const batch = createMessageBatch<WebhookMessage>("sightline-webhooks-dlq", [
      {
        id: "dead-1",
        timestamp: new Date(),
        attempts: 6,
        body: { deliveryId: delivery.id as string, shard: partner.shard },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<never>, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.ackAll).toBe(true);
    const dead = (await api("GET", `/webhooks/logs/${delivery.id}`)).body.delivery;
    expect(dead).toMatchObject({
      status: "failed",
      nextAttemptAt: null,
      lastError: expect.stringContaining("Dead-lettered"),
    });

    await api("PUT", "/webhooks/billing", { url: receiver.url("ok") });
    const res = await api("POST", `/webhooks/logs/${delivery.id}/redeliver`);
    expect(res.body.delivery.status).toBe("succeeded");
  });

  it("acknowledges a message that arrives before its delivery is due without attempting it (long waits are chained)", async () => {
    const { api, partner } = await newPartner();
    const receiver = receiverBucket();
    await api("PUT", "/webhooks/billing", { url: receiver.url("status/500") });
    const event = await usageEvent(partner.id);
    await emitEvents(await tenantOf(partner.id), [event]);
    const delivery = await waitForDelivery(api, (d) => d.eventId === event.id && d.attempts === 1);
    const first = Date.parse((await api("GET", `/webhooks/logs/${delivery.id}`)).body.attempts[0].startedAt);
    // Jump to the 8 h attempt: the next one is 16 h away, more than a queue delay can hold.
    await attemptDelivery(await tenantOf(partner.id), delivery.id as string, { now: first + 28_800_000 });

    const batch = createMessageBatch<WebhookMessage>("sightline-webhooks", [
      {
        id: "early-1",
        timestamp: new Date(),
        attempts: 1,
        body: { deliveryId: delivery.id as string, shard: partner.shard },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<never>, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["early-1"]);
    expect(result.retryMessages).toEqual([]);
    const after = (await api("GET", `/webhooks/logs/${delivery.id}`)).body.delivery;
    expect(after).toMatchObject({
      status: "pending",
      attempts: 2,
      nextAttemptAt: new Date(first + 86_400_000).toISOString().replace(".000", ""),
    });
  });

  it(
    "delivers an event whose queue message was lost once the cron runs, and prunes the log after 90 days",
    { timeout: 20_000 },
    async () => {
      const { api, partner } = await newPartner();
      const receiver = receiverBucket();
      await api("PUT", "/webhooks/billing", { url: receiver.url("ok") });
      const event = await usageEvent(partner.id);
      // The queue refuses the message: the emission still succeeds, the row is the record.
      const queueDown = {
        ...(await tenantOf(partner.id)),
        WEBHOOKS: {
          send: () => Promise.reject(new Error("queue down")),
          sendBatch: () => Promise.reject(new Error("queue down")),
        } as unknown as Queue<WebhookMessage>,
      };
      await emitEvents(queueDown, [event]);
      const pending = await waitForDelivery(api, (d) => d.eventId === event.id);
      expect(pending).toMatchObject({ status: "pending", attempts: 0 });
      // The control, through the working queue: once it arrived, the lost one would have too.
      const control = await usageEvent(partner.id);
      await emitEvents(await tenantOf(partner.id), [control]);
      await receiver.waitFor(1, (r) => r.headers["webhook-id"] === control.id);
      const isLost = (r: { headers: Record<string, string> }) => r.headers["webhook-id"] === event.id;
      expect((await receiver.received()).filter(isLost)).toHaveLength(0);

      await maintainWebhooks(await tenantOf(partner.id), Date.now() + 16 * 60_000); // the cron, a quarter of an hour later
      const [received] = await receiver.waitFor(1, isLost);
      expect(received!.headers["webhook-id"]).toBe(event.id);
      await waitForDelivery(api, (d) => d.eventId === event.id && d.status === "succeeded");

      await maintainWebhooks(await tenantOf(partner.id), Date.now() + 91 * DAY_MS);
      expectEnvelope(await api("GET", `/webhooks/logs/${pending.id}`), 404, "NotFound");
    },
  );

  it("leaves a message the consumer cannot process to the queue's retries (and so to the dead-letter queue)", async () => {
    const batch = createMessageBatch<WebhookMessage>("sightline-webhooks", [
      { id: "crash-1", timestamp: new Date(), attempts: 1, body: { deliveryId: "whd_any", shard: 1 } },
    ]);
    const ctx = createExecutionContext();
    // D1 unavailable: every query throws.
    const unavailable = {
      ...env,
      TENANT_1: {
        prepare: () => {
          throw new Error("D1 unavailable");
        },
      } as unknown as D1Database,
    };
    await worker.queue(batch as MessageBatch<never>, unavailable, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toEqual([expect.objectContaining({ msgId: "crash-1" })]);
    expect(result.explicitAcks).toEqual([]);
  });
});
