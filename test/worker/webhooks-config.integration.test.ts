import { describe, expect, it } from "vitest";
import { receiverBucket } from "../fixtures/receiver";
import { bullseyeSignature, verifyStandardWebhook } from "../fixtures/standard-webhooks";
import { env } from "cloudflare:workers";
import { maintainWebhooks } from "../../worker/webhooks/consume";
import { asPartner, call, expectEnvelope, fetchWith } from "./support/api";
import { newOrganization, newPartner, tenantOf } from "./support/partners";

async function storedSecrets(partnerId: string, channel: string) {
  const row = await (
    await tenantOf(partnerId)
  ).DB.prepare("SELECT secret, previous_secret FROM webhook_endpoints WHERE partner_id = ? AND channel = ?")
    .bind(partnerId, channel)
    .first<{ secret: string; previous_secret: string | null }>();
  return row!;
}

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
        companyVisited: false,
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

  it("refuses plain http URLs, malformed secrets and a first setup without a URL", async () => {
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
  });

  it("L3: refuses a secret whose base64 part does not decode to 24-64 bytes", async () => {
    const { api } = await newPartner();
    // Matched the old pattern (33 base64 characters), but no base64 decoder accepts it.
    for (const secret of [`whsec_${"A".repeat(33)}`, `whsec_${btoa("too short")}`, `whsec_${btoa("x".repeat(65))}`]) {
      const res = await api("PUT", "/webhooks/billing", { url: "https://hooks.example.com/b", secret });
      expectEnvelope(res, 400, "BadRequest");
      expect(res.body.details).toEqual([{ field: "secret", message: expect.stringContaining("24 to 64 bytes") }]);
    }
    const ok = await api("PUT", "/webhooks/billing", {
      url: "https://hooks.example.com/b",
      secret: `whsec_${btoa("x".repeat(64))}`,
    });
    expect(ok.status, ok.text).toBe(200);
  });

  it("L3: reports a delivery signed with an unusable stored secret as a failed attempt, not a 500", async () => {
    const { api, partner } = await newPartner();
    const receiver = receiverBucket();
    await api("PUT", "/webhooks/billing", { url: receiver.url("ok") });
    // What an endpoint saved before secrets were checked by decoding them may hold.
    await (
      await tenantOf(partner.id)
    ).DB.prepare("UPDATE webhook_endpoints SET secret = ? WHERE partner_id = ? AND channel = 'billing'")
      .bind(`whsec_${"A".repeat(33)}`, partner.id)
      .run();
    const res = await api("POST", "/webhooks/test", { type: "billing" });
    expect(res.status, res.text).toBe(200);
    expect(res.body.delivery).toMatchObject({ status: "failed", attempts: 1, lastStatusCode: null });
    expect(res.body.attempt).toMatchObject({ succeeded: false, error: expect.stringContaining("secret") });
    expect(await receiver.received()).toEqual([]);
  });

  it("L11: refuses http:// and local, private or link-local targets unless insecure webhooks are allowed", async () => {
    const { api, key } = await newPartner();
    for (const url of [
      "http://hooks.example.com/x",
      "http://localhost:8788/hooks",
      "https://localhost/hooks",
      "https://api.localhost/hooks",
      "https://127.0.0.1/hooks",
      "https://10.1.2.3/hooks",
      "https://172.20.0.5/hooks",
      "https://192.168.1.10/hooks",
      "https://100.64.0.1/hooks",
      "https://169.254.169.254/latest/meta-data",
      "https://0.0.0.0/hooks",
      "https://[::1]/hooks",
      "https://[fe80::1]/hooks",
      "https://[fd00::1]/hooks",
      "https://[::ffff:10.0.0.1]/hooks",
      "https://printer.local/hooks",
      "https://intranet/hooks",
    ]) {
      const res = await api("PUT", "/webhooks/identification", { url });
      expect(res.status, `${url} → ${res.text}`).toBe(400);
      expect(res.body.details).toEqual([{ field: "url", message: expect.any(String) }]);
    }
    expect((await api("PUT", "/webhooks/identification", { url: "https://8.8.8.8/hooks" })).status).toBe(200);
    expect((await api("PUT", "/webhooks/identification", { url: "https://hooks.example.com/x" })).status).toBe(200);

    // Local development: ALLOW_INSECURE_WEBHOOKS=on (.dev.vars.example) lets a receiver on this machine in.
    const local = await fetchWith({ ALLOW_INSECURE_WEBHOOKS: "on" }, "/api/v1/partner/webhooks/billing", {
      method: "PUT",
      headers: { "content-type": "application/json", "x-partner-api-key": key },
      body: JSON.stringify({ url: "http://localhost:8788/hooks" }),
    });
    expect(local.status, local.text).toBe(200);
  });

  it("N8: refuses IPv4-compatible, NAT64, 6to4 (of a private IPv4), Teredo and documentation addresses", async () => {
    const { api } = await newPartner();
    for (const host of [
      "[::127.0.0.1]",
      "[::a00:1]",
      "[64:ff9b::a00:1]",
      "[64:ff9b::808:808]",
      "[2002:a00:1::1]",
      "[2002:7f00:1::1]",
      "[2001::1]",
      "[2001:db8::1]",
      "[3fff::1]",
      "192.0.2.10",
      "198.51.100.10",
      "203.0.113.10",
    ]) {
      const res = await api("PUT", "/webhooks/identification", { url: `https://${host}/hooks` });
      expect(res.status, `${host} → ${res.text}`).toBe(400);
      expect(res.body.details).toEqual([{ field: "url", message: expect.stringContaining("public") }]);
    }
    // 6to4 of a public IPv4 is as public as that address.
    expect((await api("PUT", "/webhooks/identification", { url: "https://[2002:808:808::1]/hooks" })).status).toBe(200);
  });

  it("N8: refuses a name that resolves to a private address or to nothing, asking the DNS-over-HTTPS resolver", async () => {
    const { api } = await newPartner();
    for (const [host, says] of [
      ["169-254-169-254.ip.test", "resolves to 169.254.169.254"],
      ["10-0-0-1.ip.test", "resolves to 10.0.0.1"],
      ["127-0-0-1.ip.test", "resolves to 127.0.0.1"],
      ["fd00xx1.ip.test", "resolves to fd00::1"],
      ["nowhere.test", "does not resolve"],
    ]) {
      const res = await api("PUT", "/webhooks/billing", { url: `https://${host}/hooks` });
      expect(res.status, `${host} → ${res.text}`).toBe(400);
      expect(res.body.details).toEqual([{ field: "url", message: expect.stringContaining(says!) }]);
    }
    // A resolver that cannot answer says nothing about the name: try again later, nothing saved.
    const down = await api("PUT", "/webhooks/billing", { url: "https://servfail.test/hooks" });
    expectEnvelope(down, 503, "ServiceUnavailable");
    expect(down.headers.get("retry-after")).toBe("5");
    expect((await api("GET", "/webhooks")).body.billing.url).toBeNull();
  });

  it("N8: checks the host again before each send: a URL that leads inside now is refused without a request", async () => {
    const { api, partner } = await newPartner();
    const receiver = receiverBucket();
    await api("PUT", "/webhooks/billing", { url: receiver.url("ok") });
    for (const [url, says] of [
      ["https://10-0-0-1.ip.test/hooks", "resolves to 10.0.0.1"],
      ["https://[::127.0.0.1]/hooks", "public host"],
    ]) {
      // As if the name's DNS record changed after it was saved.
      await (
        await tenantOf(partner.id)
      ).DB.prepare("UPDATE webhook_endpoints SET url = ? WHERE partner_id = ? AND channel = 'billing'")
        .bind(url, partner.id)
        .run();
      const res = await api("POST", "/webhooks/test", { type: "billing" });
      expect(res.status, res.text).toBe(200);
      expect(res.body.attempt).toMatchObject({
        succeeded: false,
        statusCode: null,
        error: expect.stringContaining(says!),
      });
      expect(res.body.attempt.error).toMatch(/^Refused: /);
    }
    expect(await receiver.received()).toEqual([]);
  });

  it("L11: keeps only the receiver's status in the delivery log, never what it answered", async () => {
    const { api } = await newPartner();
    const receiver = receiverBucket();
    await api("PUT", "/webhooks/billing", { url: receiver.url("status/500") });
    const res = await api("POST", "/webhooks/test", { type: "billing" });
    expect(res.body.attempt).toMatchObject({ statusCode: 500, error: "HTTP 500" });
    expect(res.body.delivery.lastError).toBe("HTTP 500");
    const log = await api("GET", `/webhooks/logs/${res.body.delivery.id}`);
    expect(log.text).not.toContain("status 500"); // the receiver's body
    expect(log.body.attempts).toEqual([expect.objectContaining({ error: "HTTP 500" })]);
  });

  it("I1: stores webhook secrets sealed (AES-GCM), never in plain text, and signs with the plain secret", async () => {
    const { api, partner } = await newPartner();
    const receiver = receiverBucket();
    const secret = (await api("PUT", "/webhooks/identification", { url: receiver.url("ok") })).body.secret as string;
    const row = await storedSecrets(partner.id, "identification");
    expect(row.secret).toMatch(/^sealed:v1:/);
    expect(row.secret).not.toContain(secret.slice(6));

    await api("POST", "/webhooks/test", { type: "identification" });
    const [received] = await receiver.waitFor(1);
    expect(await verifyStandardWebhook(received!.headers, received!.body, secret)).toBe(true);

    // A sealed value is bound to its endpoint: copied onto another partner's, it does not open.
    const other = await newPartner();
    await other.api("PUT", "/webhooks/identification", { url: receiver.url("ok") });
    await (
      await tenantOf(other.partner.id)
    ).DB.prepare("UPDATE webhook_endpoints SET secret = ? WHERE partner_id = ? AND channel = 'identification'")
      .bind(row.secret, other.partner.id)
      .run();
    const copied = await other.api("POST", "/webhooks/test", { type: "identification" });
    expect(copied.body.attempt).toMatchObject({ succeeded: false, statusCode: null });
  });

  it("I1: seals secrets stored in plain text before sealing existed, in the cron", async () => {
    const { api, partner } = await newPartner();
    const receiver = receiverBucket();
    await api("PUT", "/webhooks/billing", { url: receiver.url("ok") });
    const plain = `whsec_${btoa("0123456789abcdef0123456789abcdef")}`;
    await (
      await tenantOf(partner.id)
    ).DB.prepare("UPDATE webhook_endpoints SET secret = ? WHERE partner_id = ? AND channel = 'billing'")
      .bind(plain, partner.id)
      .run();
    await maintainWebhooks(await tenantOf(partner.id));
    expect((await storedSecrets(partner.id, "billing")).secret).toMatch(/^sealed:v1:/);
    await api("POST", "/webhooks/test", { type: "billing" });
    const [received] = await receiver.waitFor(1);
    expect(await verifyStandardWebhook(received!.headers, received!.body, plain)).toBe(true);
  });

  it("I1: a second rotation within the overlap keeps the original secret signing until the overlap ends", async () => {
    const { api } = await newPartner();
    const receiver = receiverBucket();
    const original = (await api("PUT", "/webhooks/billing", { url: receiver.url("ok") })).body.secret as string;
    const first = await api("PUT", "/webhooks/billing", { rotateSecret: true });
    const overlapEnd = first.body.webhook.previousSecretExpiresAt;
    const second = await api("PUT", "/webhooks/billing", { rotateSecret: true });
    expect(second.body.webhook.previousSecretExpiresAt).toBe(overlapEnd);

    await api("POST", "/webhooks/test", { type: "billing" });
    const [received] = await receiver.waitFor(1);
    const [current, previous] = received!.headers["webhook-signature"]!.split(" ");
    const only = (entry: string) => ({ ...received!.headers, "webhook-signature": entry });
    expect(await verifyStandardWebhook(only(current!), received!.body, second.body.secret)).toBe(true);
    expect(await verifyStandardWebhook(only(previous!), received!.body, original)).toBe(true);
    expect(await verifyStandardWebhook(received!.headers, received!.body, first.body.secret)).toBe(false);
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
    expect(received!.method).toBe("POST");
    expect(received!.headers["content-type"]).toBe("application/json");
    expect(received!.headers["webhook-id"]).toBe(res.body.delivery.eventId);
    expect(await verifyStandardWebhook(received!.headers, received!.body, secret)).toBe(true);
    expect(await verifyStandardWebhook(received!.headers, `${received!.body} `, secret)).toBe(false);
    expect(received!.headers["x-bullseye-signature"]).toBe(await bullseyeSignature(received!.body, secret));
    expect(JSON.parse(received!.body)).toMatchObject({
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
    expect(own.body).toEqual({ deliveries: [], total: 0, page: 1, pageSize: 20, nextCursor: null });
  });

  it("M8: pages the delivery log by cursor, without counting, through every delivery once", async () => {
    const { api } = await newPartner();
    const receiver = receiverBucket();
    await api("PUT", "/webhooks/billing", { url: receiver.url("ok") });
    for (let i = 0; i < 25; i++) expect((await api("POST", "/webhooks/test", { type: "billing" })).status).toBe(200);

    const byNumber = await api("GET", "/webhooks/logs?pageSize=30");
    expect(byNumber.body.total).toBe(25);
    const newestFirst = byNumber.body.deliveries.map((d: { id: string }) => d.id);

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = (await api("GET", "/webhooks/logs?pageSize=10")).body.nextCursor;
    seen.push(...newestFirst.slice(0, 10));
    while (cursor) {
      const res = await api("GET", `/webhooks/logs?pageSize=10&cursor=${cursor}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).not.toHaveProperty("total");
      sizes.push(res.body.deliveries.length);
      seen.push(...res.body.deliveries.map((d: { id: string }) => d.id));
      cursor = res.body.nextCursor;
    }
    expect(sizes).toEqual([10, 5]);
    expect(seen).toEqual(newestFirst);

    expectEnvelope(await api("GET", "/webhooks/logs?cursor="), 400, "BadRequest");
    expectEnvelope(await api("GET", "/webhooks/logs?cursor=bm90LWEtY3Vyc29y"), 400, "BadRequest");
    // Page numbers stop 10,000 rows deep (a deep OFFSET scans every row before it); the cursor goes on.
    expect((await api("GET", "/webhooks/logs?page=1000&pageSize=10")).status).toBe(200);
    const deep = await api("GET", "/webhooks/logs?page=1001&pageSize=10");
    expectEnvelope(deep, 400, "BadRequest");
    expect(deep.body.details).toEqual([{ field: "page", message: expect.stringContaining("cursor") }]);
  });

  it("N13: counts the delivery log up to 10,000 in page mode, and still tells when a next page exists", async () => {
    const { api, partner } = await newPartner();
    await (
      await tenantOf(partner.id)
    ).DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10050)
       INSERT INTO webhook_deliveries (id, partner_id, channel, event_id, event_type, data, status, created_at)
       SELECT printf('whd_%s_%08d', ?1, i), ?1, 'billing', printf('evt_%08d', i), 'usage.recorded', '{}', 'succeeded',
         strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('-%d seconds', i)) FROM n`,
    )
      .bind(partner.id)
      .run();
    const first = await api("GET", "/webhooks/logs?pageSize=100");
    expect(first.status, first.text).toBe(200);
    expect(first.body.total).toBe(10_000);
    const last = await api("GET", "/webhooks/logs?page=100&pageSize=100");
    expect(last.body.deliveries).toHaveLength(100);
    expect(last.body.nextCursor).not.toBeNull();
    const beyond = await api("GET", `/webhooks/logs?pageSize=100&cursor=${last.body.nextCursor}`);
    expect(beyond.body.deliveries).toHaveLength(50);
    expect(beyond.body.nextCursor).toBeNull();
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
