import { describe, expect, it } from "vitest";
import { receiverBucket } from "../fixtures/receiver";
import { bullseyeSignature, verifyStandardWebhook } from "../fixtures/standard-webhooks";
import { asPartner, call, expectEnvelope, newOrganization, newPartner } from "./support";

describe("webhooks: configuration and test events", () => {
  it("shows both webhooks unconfigured until set up, and never returns a secret", async () => {
    const { api } = await newPartner();
    const res = await api("GET", "/webhooks");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      identification: {
        url: null,
        enabled: false,
        hasSecret: false,
        disabledReason: null,
        disabledAt: null,
        previousSecretExpiresAt: null,
      },
      billing: {
        url: null,
        enabled: false,
        hasSecret: false,
        disabledReason: null,
        disabledAt: null,
        previousSecretExpiresAt: null,
        lowCreditThresholdPercent: 10,
      },
    });
  });

  it("generates a whsec_ secret on first setup, shows it once, and reports the webhook on /me", async () => {
    const { api } = await newPartner();
    const put = await api("PUT", "/webhooks/identification", { url: "https://hooks.example.com/id" });
    expect(put.status, put.text).toBe(200);
    expect(put.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(atob(put.body.secret.slice(6)).length).toBeGreaterThanOrEqual(24);
    expect(put.body.webhook).toMatchObject({ url: "https://hooks.example.com/id", enabled: true, hasSecret: true });

    const again = await api("PUT", "/webhooks/identification", { enabled: false });
    expect(again.body.secret).toBeUndefined();
    expect(again.body.webhook).toMatchObject({ url: "https://hooks.example.com/id", enabled: false, hasSecret: true });

    const get = await api("GET", "/webhooks");
    expect(get.text).not.toContain("whsec_");
    expect(get.body.identification).toMatchObject({
      url: "https://hooks.example.com/id",
      enabled: false,
      hasSecret: true,
    });

    await api("PUT", "/webhooks/billing", { url: "https://hooks.example.com/billing", lowCreditThresholdPercent: 25 });
    const me = await api("GET", "/me");
    expect(me.status, me.text).toBe(200);
    expect(me.body.partner).toMatchObject({
      identificationWebhookUrl: "https://hooks.example.com/id",
      identificationWebhookEnabled: false,
      billingWebhookUrl: "https://hooks.example.com/billing",
      billingWebhookEnabled: true,
    });
    expect((await api("GET", "/webhooks")).body.billing.lowCreditThresholdPercent).toBe(25);
  });

  it("keeps a secret the partner chose and does not echo it", async () => {
    const { api } = await newPartner();
    const secret = `whsec_${btoa("0123456789abcdef0123456789abcdef")}`;
    const put = await api("PUT", "/webhooks/billing", { url: "https://hooks.example.com/b", secret });
    expect(put.status, put.text).toBe(200);
    expect(put.body.secret).toBeUndefined();
    expect(put.text).not.toContain(secret);
  });

  it("refuses plain http URLs (except localhost), malformed secrets and a first setup without a URL", async () => {
    const { api } = await newPartner();
    const http = await api("PUT", "/webhooks/identification", { url: "http://hooks.example.com/x" });
    expectEnvelope(http, 400, "BadRequest");
    expect(http.body.details).toEqual([{ field: "url", message: expect.stringContaining("https") }]);
    expectEnvelope(await api("PUT", "/webhooks/identification", { url: "not a url" }), 400, "BadRequest");
    expectEnvelope(await api("PUT", "/webhooks/identification", {}), 400, "BadRequest");
    expectEnvelope(
      await api("PUT", "/webhooks/billing", { url: "https://h.example.com", secret: "plain" }),
      400,
      "BadRequest",
    );
    expectEnvelope(
      await api("PUT", "/webhooks/billing", { url: "https://h.example.com", lowCreditThresholdPercent: 0 }),
      400,
      "BadRequest",
    );
    expectEnvelope(
      await api("PUT", "/webhooks/billing", { url: "https://h.example.com", extra: 1 }),
      400,
      "BadRequest",
    );
    const local = await api("PUT", "/webhooks/identification", { url: "http://localhost:8788/hooks" });
    expect(local.status, local.text).toBe(200);
  });

  it("needs the admin scope for every webhook route", async () => {
    const { api } = await newPartner();
    const created = await api("POST", "/api-keys", { name: "writer", scopes: ["write"] });
    expect(created.status, created.text).toBe(201);
    const limited = asPartner(created.body.plainKey);
    for (const [method, path, body] of [
      ["GET", "/webhooks"],
      ["PUT", "/webhooks/identification", { url: "https://h.example.com" }],
      ["PUT", "/webhooks/billing", { url: "https://h.example.com" }],
      ["POST", "/webhooks/test", { type: "billing" }],
      ["GET", "/webhooks/logs"],
      ["GET", "/webhooks/logs/whd_0"],
      ["POST", "/webhooks/logs/whd_0/redeliver"],
    ] as const) {
      expectEnvelope(await limited(method, path, body), 403, "Forbidden");
    }
  });

  it("sends a signed test event and answers with the delivery result", async () => {
    const { api, partner } = await newPartner();
    const receiver = receiverBucket();
    const put = await api("PUT", "/webhooks/identification", { url: receiver.url("ok") });
    const secret = put.body.secret as string;

    const res = await api("POST", "/webhooks/test", { type: "identification" });
    expect(res.status, res.text).toBe(200);
    expect(res.body.delivery).toMatchObject({
      type: "identification",
      eventType: "webhook.test",
      status: "succeeded",
      attempts: 1,
      lastStatusCode: 200,
    });
    expect(res.body.attempt).toMatchObject({
      attempt: 1,
      statusCode: 200,
      error: null,
      succeeded: true,
      latencyMs: expect.any(Number),
    });

    const [received] = await receiver.waitFor(1);
    expect(received.method).toBe("POST");
    expect(received.headers["content-type"]).toBe("application/json");
    expect(received.headers["webhook-id"]).toBe(res.body.delivery.eventId);
    expect(await verifyStandardWebhook(received.headers, received.body, secret)).toBe(true);
    expect(await verifyStandardWebhook(received.headers, `${received.body} `, secret)).toBe(false);
    expect(received.headers["x-bullseye-signature"]).toBe(await bullseyeSignature(received.body, secret));
    expect(JSON.parse(received.body)).toMatchObject({
      id: res.body.delivery.eventId,
      type: "webhook.test",
      partnerId: partner.id,
      webhook: "identification",
    });
  });

  it("reports a failing test event without retrying it", async () => {
    const { api } = await newPartner();
    const receiver = receiverBucket();
    await api("PUT", "/webhooks/billing", { url: receiver.url("status/500") });
    const res = await api("POST", "/webhooks/test", { type: "billing" });
    expect(res.status).toBe(200);
    expect(res.body.delivery).toMatchObject({
      status: "failed",
      attempts: 1,
      lastStatusCode: 500,
      nextAttemptAt: null,
    });
    expect(res.body.attempt).toMatchObject({
      statusCode: 500,
      succeeded: false,
      error: expect.stringContaining("HTTP 500"),
    });
  });

  it("answers 404 for another partner's organization or delivery in the delivery log", async () => {
    const mine = await newOrganization();
    const other = await newPartner();
    expectEnvelope(await other.api("GET", `/webhooks/logs?organizationId=${mine.organization.id}`), 404, "NotFound");
    expectEnvelope(await other.api("GET", "/webhooks/logs/whd_unknown"), 404, "NotFound");
    const own = await mine.api(
      "GET",
      `/webhooks/logs?organizationId=${mine.organization.id}&status=failed&type=billing`,
    );
    expect(own.body).toEqual({ deliveries: [], total: 0, page: 1, pageSize: 20 });
  });

  it("documents every webhook route in the OpenAPI document", async () => {
    const res = await call("GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths);
    for (const path of [
      "/partner/webhooks",
      "/partner/webhooks/identification",
      "/partner/webhooks/billing",
      "/partner/webhooks/test",
      "/partner/webhooks/logs",
      "/partner/webhooks/logs/{deliveryId}",
      "/partner/webhooks/logs/{deliveryId}/redeliver",
    ]) {
      expect(paths).toContain(path);
    }
  });

  it("answers 422 for a test event when no URL is configured", async () => {
    const { api } = await newPartner();
    expectEnvelope(await api("POST", "/webhooks/test", { type: "billing" }), 422, "UnprocessableEntity");
    expectEnvelope(await api("POST", "/webhooks/test", { type: "other" }), 400, "BadRequest");
  });
});
