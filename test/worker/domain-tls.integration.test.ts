import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { maintainHostnames } from "../../worker/custom-hostnames/lifecycle";
import type { Env } from "../../worker/env";
import { eventTypeOf, receiverBucket } from "../fixtures/receiver";
import { expectEnvelope, fetchWith } from "./support/api";
import { newPartner } from "./support/partners";
import { age, cloudflareCalls, freshDomain, makeLive, publish, publishRecords, zone } from "./support/domains";

/**
 * The custom-hostnames client against the Cloudflare stand-in (test/fixtures/cloudflare-api.js),
 * which follows Cloudflare's documentation; each test names the page (under
 * https://developers.cloudflare.com/) of the behaviour it relies on.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The partner API with some settings replaced (another zone, no Cloudflare at all, …). */
const apiWith = (overrides: Partial<Env>, key: string) => (method: string, path: string, body?: unknown) =>
  fetchWith(overrides, `/api/v1/partner${path}`, {
    method,
    headers: { "x-partner-api-key": key, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const hostnameRow = (hostname: string) =>
  env.CATALOG.prepare("SELECT * FROM custom_hostnames WHERE hostname = ?")
    .bind(hostname)
    .first<{ state: string; checks: number; next_check_at: string | null; created_at: string }>();

async function withBillingWebhook(api: Awaited<ReturnType<typeof newPartner>>["api"]) {
  const receiver = receiverBucket();
  expect((await api("PUT", "/webhooks/billing", { url: receiver.url("ok") })).status).toBe(200);
  return receiver;
}

describe("custom hostnames at Cloudflare", () => {
  // cloudflare-for-saas/domain-support/create-custom-hostnames (API), custom-metadata
  it("creates the hostname as documented: bearer token, a DV certificate validated over HTTP, the partner in custom_metadata", async () => {
    const { api, partner } = await newPartner();
    const domain = freshDomain();
    expect((await api("PUT", "/domain", { domain })).status).toBe(200);
    const [create] = await cloudflareCalls(domain);
    expect(create).toMatchObject({
      method: "POST",
      path: "/client/v4/zones/test-zone/custom_hostnames",
      authorization: "Bearer test-cloudflare-token",
    });
    expect(JSON.parse(create!.body)).toEqual({
      hostname: domain,
      ssl: { method: "http", type: "dv", settings: { min_tls_version: "1.2" } },
      custom_metadata: { partner_id: partner.id },
    });
  });

  // partials/cloudflare-for-platforms/create-custom-hostname-api: "the POST response may not return the DCV
  // validation token validation_records … make a second GET"; validate-certificates/txt; hostname-validation/pre-validation
  it("lists Cloudflare's certificate TXT record once a later read returns it, and pre-validates with TXT records", async () => {
    const txt = { CLOUDFLARE_DCV_METHOD: "txt" };
    const { key } = await newPartner();
    const api = apiWith(txt, key);
    const domain = freshDomain();
    const set = await api("PUT", "/domain", { domain });
    expect(set.body.customHostname.validationRecords).toEqual([
      { type: "TXT", name: `_cf-custom-hostname.${domain}`, value: expect.any(String) },
    ]);
    expect(set.body.dnsRecords.map((r: { name: string }) => r.name)).not.toContain(`_acme-challenge.${domain}`);

    const later = await api("POST", "/domain/verify");
    const acme = later.body.dnsRecords.find((r: { name: string }) => r.name === `_acme-challenge.${domain}`);
    expect(acme).toEqual({
      type: "TXT",
      name: `_acme-challenge.${domain}`,
      value: expect.stringMatching(/^[0-9a-f]{32}$/),
    });

    // Cloudflare's two TXT records alone validate hostname and certificate before any traffic moves;
    // the domain stays off until our own check also finds the CNAME and our TXT.
    for (const r of later.body.dnsRecords.filter(
      (r: { name: string }) => r.name !== domain && !r.name.startsWith("_verify."),
    ))
      await publish(r.name, r.type, r.value);
    let last = later.body;
    for (let i = 0; i < 5 && last.tls !== "active"; i++) last = (await api("POST", "/domain/verify")).body;
    expect(last).toMatchObject({ tls: "active", verified: false, active: false });
    await publishRecords(last);
    expect((await api("POST", "/domain/verify")).body).toMatchObject({ verified: true, active: true });
  });

  // hostname-validation/backoff-schedule (75 tries over 7 days, then given up), hostname-validation/validation-status
  // (moved), ssl/reference/certificate-statuses; security/certificate-management/webhook-definitions (why it failed)
  it("reports a failed validation with Cloudflare's reasons and fires domain.failed; checking again after a fix restarts it", async () => {
    const { api, partner } = await newPartner();
    const receiver = await withBillingWebhook(api);
    const domain = freshDomain();
    const set = await api("PUT", "/domain", { domain });
    await age(domain, 7 * DAY + MINUTE);
    await maintainHostnames(env, Date.now() + 16 * MINUTE);

    const failed = (await api("GET", "/domain/verification")).body;
    expect(failed).toMatchObject({ tls: "failed", active: false });
    expect(failed.customHostname).toMatchObject({ status: "moved", sslStatus: "validation_timed_out" });
    expect(failed.customHostname.errors).toEqual(
      expect.arrayContaining(["custom hostname does not CNAME to this zone.", expect.stringMatching(/Timed out/)]),
    );
    const [event] = await receiver.waitFor(1, (r) => eventTypeOf(r) === "domain.failed");
    expect(JSON.parse(event!.body)).toMatchObject({
      type: "domain.failed",
      partnerId: partner.id,
      domain,
      status: "moved",
      sslStatus: "validation_timed_out",
      errors: failed.customHostname.errors,
    });
    // A failed hostname is not polled any more: Cloudflare stopped too.
    expect((await hostnameRow(domain))!.next_check_at).toBeNull();

    // The partner fixes DNS and checks: validation starts again (a PATCH with the same ssl, validation-status "Refresh").
    await publishRecords(set.body);
    const again = await api("POST", "/domain/verify");
    expect(again.body.verified).toBe(true);
    const calls = await cloudflareCalls(domain);
    const patch = calls.find((c) => c.method === "PATCH")!;
    expect(JSON.parse(patch.body)).toEqual({
      ssl: { method: "http", type: "dv", settings: { min_tls_version: "1.2" } },
    });
    let last = again.body;
    for (let i = 0; i < 6 && !last.active; i++) last = (await api("POST", "/domain/verify")).body;
    expect(last).toMatchObject({ active: true, tls: "active" });
    expect((await receiver.received()).filter((r) => eventTypeOf(r) === "domain.failed")).toHaveLength(1);
  });

  // hostname-validation/validation-status: "Deleted … when status is Moved for more than seven days"
  it("counts a hostname Cloudflare deleted after its validation window as failed", async () => {
    const { api } = await newPartner();
    const domain = freshDomain();
    await api("PUT", "/domain", { domain });
    await age(domain, 15 * DAY);
    await env.CATALOG.prepare("UPDATE custom_hostnames SET created_at = ? WHERE hostname = ?")
      .bind(new Date(Date.now() - 15 * DAY).toISOString(), domain)
      .run();
    await maintainHostnames(env, Date.now() + 16 * MINUTE);
    const res = (await api("GET", "/domain/verification")).body;
    expect(res).toMatchObject({ tls: "failed", customHostname: { status: "deleted" } });
    expect(res.customHostname.errors[0]).toMatch(/deleted the hostname/);
  });

  // hostname-validation/realtime-validation, certificate-statuses; the cron's own backoff (15 min doubling, 4 h at most)
  it("the cron reads pending hostnames with backoff until active, then daily", async () => {
    const { api } = await newPartner();
    const domain = freshDomain();
    await api("PUT", "/domain", { domain });
    await publish(domain, "CNAME", "api.test");
    const reads = async () => (await cloudflareCalls(domain)).filter((c) => c.method === "GET").length;

    const start = Date.now();
    await maintainHostnames(env, start + 5 * MINUTE); // not due yet
    expect(await reads()).toBe(0);
    const delays: number[] = [];
    let now = start;
    for (let i = 0; i < 6 && (await hostnameRow(domain))!.state !== "active"; i++) {
      now = Date.parse((await hostnameRow(domain))!.next_check_at!) + 1000;
      await maintainHostnames(env, now);
      const row = (await hostnameRow(domain))!;
      delays.push(Math.round((Date.parse(row.next_check_at!) - now) / MINUTE));
    }
    expect(await reads()).toBe(delays.length);
    expect((await hostnameRow(domain))!.state).toBe("active");
    // pending_validation, pending_issuance, pending_deployment each wait longer; active is re-read daily.
    expect(delays).toEqual([30, 60, 120, 24 * 60]);
  });

  // security/certificate-management/webhook-definitions; the partner's billing webhook (docs/webhooks.md)
  it("fires domain.activated once, when the domain goes live", async () => {
    const { api, partner } = await newPartner();
    const receiver = await withBillingWebhook(api);
    const { domain } = await makeLive(api);
    const [event] = await receiver.waitFor(1, (r) => eventTypeOf(r) === "domain.activated");
    expect(JSON.parse(event!.body)).toMatchObject({
      type: "domain.activated",
      partnerId: partner.id,
      domain,
      scriptBaseUrl: `https://${domain}`,
      dashboardUrl: `https://${domain}/`,
    });
    await api("POST", "/domain/verify");
    await maintainHostnames(env, Date.now() + 2 * DAY);
    expect((await receiver.received()).filter((r) => eventTypeOf(r) === "domain.activated")).toHaveLength(1);
  });

  // quotas-and-billing (hard cap), reference/status-codes/custom-hostnames (403 1405 "Quota exceeded")
  it("keeps a domain over the quota in 'creating', says so, and creates it once the quota allows", async () => {
    const overrides = { CLOUDFLARE_ZONE_ID: `quota-${crypto.randomUUID().slice(0, 8)}` };
    await zone(overrides.CLOUDFLARE_ZONE_ID, { quota: 0 });
    const { key } = await newPartner();
    const api = apiWith(overrides, key);
    const domain = freshDomain();
    const set = await api("PUT", "/domain", { domain });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ tls: "creating", customHostname: { id: null, state: "creating" } });
    expect(set.body.customHostname.errors[0]).toMatch(/quota/);

    await zone(overrides.CLOUDFLARE_ZONE_ID, { quota: 10 });
    await maintainHostnames({ ...env, ...overrides }, Date.now() + 16 * MINUTE);
    const created = (await api("GET", "/domain/verification")).body;
    expect(created).toMatchObject({
      tls: "pending",
      customHostname: { id: expect.any(String), errors: expect.any(Array) },
    });
    expect((await cloudflareCalls(domain)).filter((c) => c.method === "POST")).toHaveLength(2);
  });

  // custom-metadata (an entitlement), reference/status-codes/custom-hostnames (403 1413)
  it("creates the hostname without custom_metadata on a zone that has no access to it", async () => {
    const overrides = { CLOUDFLARE_ZONE_ID: `plain-${crypto.randomUUID().slice(0, 8)}` };
    await zone(overrides.CLOUDFLARE_ZONE_ID, { metadata: false });
    const { key } = await newPartner();
    const domain = freshDomain();
    const set = await apiWith(overrides, key)("PUT", "/domain", { domain });
    expect(set.body).toMatchObject({ tls: "pending", customHostname: { id: expect.any(String) } });
    const posts = (await cloudflareCalls(domain)).filter((c) => c.method === "POST").map((c) => JSON.parse(c.body));
    expect(posts.map((p) => "custom_metadata" in p)).toEqual([true, false]);
  });

  // reference/status-codes/custom-hostnames (409 1406 duplicate); start/common-api-calls (list by hostname)
  it("adopts the zone's hostname of that name when one exists (created by hand, or by a create whose answer was lost)", async () => {
    const domain = freshDomain();
    const made = await fetch("https://api.cloudflare.test/client/v4/zones/test-zone/custom_hostnames", {
      method: "POST",
      headers: { authorization: "Bearer test-cloudflare-token", "content-type": "application/json" },
      body: JSON.stringify({ hostname: domain, ssl: { method: "http", type: "dv" } }),
    });
    const existing = ((await made.json()) as { result: { id: string } }).result.id;
    const { api } = await newPartner();
    const set = await api("PUT", "/domain", { domain });
    expect(set.body.customHostname.id).toBe(existing);
    const calls = await cloudflareCalls(domain);
    expect(calls.map((c) => `${c.method} ${c.path.replace(/^.*custom_hostnames/, "")}`)).toEqual([
      "POST ", // the hostname made beforehand
      "POST ", // ours: 409 duplicate
      `GET ?hostname=${encodeURIComponent(domain)}`,
    ]);
  });

  it("without a zone and token: verified by DNS alone, the domain goes live and says TLS is not provisioned", async () => {
    const none = { CLOUDFLARE_ZONE_ID: "", CLOUDFLARE_API_TOKEN: "" };
    const { key, api: realApi } = await newPartner();
    const receiver = await withBillingWebhook(realApi);
    const api = apiWith(none, key);
    const domain = freshDomain();
    const set = await api("PUT", "/domain", { domain });
    expect(set.body).toMatchObject({ tls: "not_provisioned", customHostname: null, active: false });
    expect(set.body.dnsRecords).toHaveLength(2);
    expect(set.body.instructions).toMatch(/not provisioned/);
    await publishRecords(set.body);
    expect((await api("POST", "/domain/verify")).body).toMatchObject({ verified: true, active: true });
    expect((await api("GET", "/script-config")).body.scriptBaseUrl).toBe(`https://${domain}`);
    expect(await cloudflareCalls(domain)).toEqual([]);
    await receiver.waitFor(1, (r) => eventTypeOf(r) === "domain.activated");

    // Cloudflare configured later: the cron creates the hostname, and the domain waits for its certificate.
    await maintainHostnames(env, Date.now());
    expect((await cloudflareCalls(domain)).map((c) => c.method)).toEqual(["POST"]);
    expect((await realApi("GET", "/domain/verification")).body).toMatchObject({
      verified: true,
      tls: "pending",
      active: false,
    });
  });

  // notifications/get-started/configure-webhooks (the secret in cf-webhook-auth), webhook-definitions (data.id)
  describe("Cloudflare's notifications", () => {
    const notify = (body: unknown, auth?: string, overrides: Partial<Env> = {}) =>
      fetchWith(overrides, "/api/v1/cloudflare/notifications", {
        method: "POST",
        headers: { "content-type": "application/json", ...(auth ? { "cf-webhook-auth": auth } : {}) },
        body: JSON.stringify(body),
      });

    it("are refused without the configured secret, and unknown when none is configured", async () => {
      expectEnvelope(await notify({ text: "Hello World!" }), 401, "Unauthorized");
      expectEnvelope(await notify({ text: "Hello World!" }, "wrong"), 401, "Unauthorized");
      expectEnvelope(
        await notify({ text: "Hello World!" }, "test-notification-secret", { CLOUDFLARE_NOTIFICATION_SECRET: "" }),
        404,
        "NotFound",
      );
      expect((await notify({ text: "Hello World!" }, "test-notification-secret")).body).toEqual({
        received: true,
        known: false,
      });
    });

    it("make us read the named hostname again, whatever the notification claims", async () => {
      const { api } = await newPartner();
      const domain = freshDomain();
      const set = await api("PUT", "/domain", { domain });
      await publish(domain, "CNAME", "api.test");
      const id = set.body.customHostname.id;
      const res = await notify(
        {
          metadata: { event: { type: "ssl.custom_hostname_certificate.validation.succeeded" } },
          data: { id, hostname: domain, ssl: { status: "active" } },
        },
        "test-notification-secret",
      );
      expect(res.body).toEqual({ received: true, known: true });
      expect((await cloudflareCalls(domain)).at(-1)).toMatchObject({ method: "GET" });
      const after = (await api("GET", "/domain/verification")).body.customHostname;
      expect(after).toMatchObject({ status: "active", sslStatus: "pending_validation" });
    });
  });
});
