import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { MAX_HIT_BYTES } from "../../shared/hit";
import { forgetLocationPixels, forgetRememberedPixels } from "../../worker/pixel-config/record";
import { expectEnvelope } from "./support/api";
import { importCompany, newOrganization, tenantOfOrganization } from "./support/partners";
import { BROWSER_UA, freshIp, pageView, sendHit } from "./support/hits";
import { receipts, waitForReceipts } from "./support/receipts";

/** A count of the organization's daily rollups, summed over its days. */
async function counted(organizationId: string, column: "referrer_not_allowed" | "disabled" | "page_views" | "bot") {
  const row = await (
    await tenantOfOrganization(organizationId)
  ).DB.prepare(`SELECT coalesce(sum(${column}), 0) AS n FROM usage_daily WHERE organization_id = ?`)
    .bind(organizationId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("collect path", () => {
  it("charges one credit for an identified company on an allowed site", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    await api("PUT", `/organizations/${organization.id}/pixel`, { allowedReferrers: ["client.example"] });
    const ip = freshIp();
    await importCompany(`${ip}/32`, "Acme Corp");

    const res = await sendHit(pageView(pixelKey, "https://client.example/pricing?utm_source=news"), { ip });
    expect(res.status).toBe(204);
    expect(res.body).toBeNull(); // nothing about the visitor goes back to the page
    const [receipt] = await waitForReceipts(organization.id, 1);
    expect(receipt!.reason).toBe("charged");

    const org = await api("GET", `/organizations/${organization.id}`);
    expect(org.body.organization).toMatchObject({ credits: 100, creditsUsed: 1, creditsAvailable: 99 });
    const visitors = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(visitors.body.total).toBe(1);
    expect(visitors.body.visitors[0]).toMatchObject({
      type: "company",
      company: { name: "Acme Corp", industry: "Software" },
      person: null,
      engagement: { pageViews: 1, sessions: 1 },
      pages: { landingPage: "/pricing", lastPage: "/pricing", topPages: [{ path: "/pricing", views: 1 }] },
      source: { utmSource: "news" },
      device: { type: "desktop", browser: "Chrome", os: "macOS" },
    });
  });

  it("does not charge the same company again in the period, but counts its page views", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    await sendHit(pageView(pixelKey, "https://client.example/"), { ip });
    await waitForReceipts(organization.id, 1);
    await sendHit(pageView(pixelKey, "https://client.example/docs"), { ip });
    await sendHit(pageView(pixelKey, "https://client.example/docs"), { ip });
    const rows = await waitForReceipts(organization.id, 3);
    expect(rows.map((r) => r.reason).sort()).toEqual([
      "already_charged_this_period",
      "already_charged_this_period",
      "charged",
    ]);

    const org = await api("GET", `/organizations/${organization.id}`);
    expect(org.body.organization.creditsUsed).toBe(1);
    const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(body.visitors[0].engagement).toMatchObject({ pageViews: 3, sessions: 1 });
    expect(body.visitors[0].pages.topPages).toEqual([
      { path: "/docs", views: 2 },
      { path: "/", views: 1 },
    ]);
  });

  it("neither stores nor charges a hit from a host that is not allowed, and counts the rejection", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    await api("PUT", `/organizations/${organization.id}/pixel`, {
      allowedReferrers: ["client.example", "*.client.org"],
    });
    const ip = freshIp();
    await importCompany(`${ip}/32`);

    const foreign = await sendHit(pageView(pixelKey, "https://copycat.example/"), { ip });
    expectEnvelope(foreign, 403, "Forbidden");
    // A page claiming an allowed URL from another origin is still rejected (Origin is browser-set).
    const spoofed = await sendHit(pageView(pixelKey, "https://client.example/"), {
      ip,
      origin: "https://copycat.example",
    });
    expectEnvelope(spoofed, 403, "Forbidden");
    // `*.client.org` covers subdomains but not the apex.
    expect((await sendHit(pageView(pixelKey, "https://client.org/"), { ip })).status).toBe(403);
    expect((await sendHit(pageView(pixelKey, "https://www.client.org/"), { ip })).status).toBe(204);

    await vi.waitFor(async () => expect(await counted(organization.id, "referrer_not_allowed")).toBe(3), {
      timeout: 10_000,
    });
    const rows = await waitForReceipts(organization.id, 1);
    expect(rows).toHaveLength(1); // only the allowed subdomain hit
    expect(await counted(organization.id, "page_views")).toBe(1);
    const org = await api("GET", `/organizations/${organization.id}`);
    expect(org.body.organization.creditsUsed).toBe(1);
  });

  it("M1: refuses a hit sent with Origin: null or without an Origin when allowed referrers are set", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    await api("PUT", `/organizations/${organization.id}/pixel`, { allowedReferrers: ["client.example"] });
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const page = "https://client.example/";
    // What a page with `Referrer-Policy: no-referrer` or a sandboxed iframe sends with the victim's public key.
    expectEnvelope(await sendHit(pageView(pixelKey, page), { ip, origin: "null" }), 403, "Forbidden");
    expectEnvelope(await sendHit(pageView(pixelKey, page), { ip, origin: null }), 403, "Forbidden");
    expectEnvelope(
      await sendHit(pageView(pixelKey, page), { ip, origin: null, headers: { referer: page } }),
      403,
      "Forbidden",
    );
    expect((await sendHit(pageView(pixelKey, page), { ip })).status).toBe(204);

    const rows = await waitForReceipts(organization.id, 1);
    await vi.waitFor(async () => expect(await counted(organization.id, "referrer_not_allowed")).toBe(3), {
      timeout: 10_000,
    });
    expect(rows).toEqual([expect.objectContaining({ reason: "charged" })]);
  });

  it("serves a disabled organization an empty script and never charges it", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const live = await exports.default.fetch(`https://api.test/s/${pixelKey}.js`);
    expect(live.status).toBe(200);
    expect((await live.text()).length).toBeGreaterThan(100);

    const disabled = await api("PUT", `/organizations/${organization.id}/status`, { enabled: false });
    expect(disabled.body.organization).toMatchObject({ status: "suspended", enabled: false });
    const script = await exports.default.fetch(`https://api.test/s/${pixelKey}.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect(await script.text()).toBe("");

    const hit = await sendHit(pageView(pixelKey), { ip });
    expectEnvelope(hit, 403, "Forbidden");
    await vi.waitFor(async () => expect(await counted(organization.id, "disabled")).toBe(1), { timeout: 10_000 });
    expect(await receipts(organization.id)).toEqual([]);

    // Re-enabled, the same key works again.
    await api("PUT", `/organizations/${organization.id}/status`, { enabled: true });
    expect(await (await exports.default.fetch(`https://api.test/s/${pixelKey}.js`)).text()).not.toBe("");
  });

  it("answers an unknown key with an empty script and rejects its hits without storing anything", async () => {
    const script = await exports.default.fetch("https://api.test/s/0123456789abcdef01234567.js");
    expect(script.status).toBe(200);
    expect(await script.text()).toBe("");
    const garbage = await exports.default.fetch("https://api.test/s/not a key!.js");
    expect(garbage.status).toBe(200);
    expect(await garbage.text()).toBe("");

    const hit = await sendHit(pageView("0123456789abcdef01234567"));
    expectEnvelope(hit, 404, "NotFound");
  });

  it("counts bots as bot traffic and never charges them", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    await sendHit(pageView(pixelKey), {
      ip,
      userAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    });
    await sendHit(pageView(pixelKey), {
      ip,
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/130.0 Safari/537.36",
    });
    await sendHit(pageView(pixelKey, undefined, { b: 1 }), { ip, userAgent: BROWSER_UA });
    const rows = await waitForReceipts(organization.id, 3);
    expect(rows.map((r) => r.reason)).toEqual(["bot", "bot", "bot"]);
    expect(await counted(organization.id, "bot")).toBe(3);
    expect(await counted(organization.id, "page_views")).toBe(0); // page views of people only
    const org = await api("GET", `/organizations/${organization.id}`);
    expect(org.body.organization.creditsUsed).toBe(0);
    expect((await api("GET", `/organizations/${organization.id}/visitors`)).body.total).toBe(0);
  });

  it("counts a visit from an unknown address as not identified, without charging or storing it", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    await sendHit(pageView(pixelKey), { ip: freshIp() });
    const [receipt] = await waitForReceipts(organization.id, 1);
    expect(receipt).toMatchObject({ reason: "not_identified", identity_key: null, credits: 0 });
    expect(await counted(organization.id, "page_views")).toBe(1);
    expect((await api("GET", `/organizations/${organization.id}`)).body.organization.creditsUsed).toBe(0);
  });

  it("identifies a B2C visitor from the hashed email sent by identify(), with the page viewed before it", async () => {
    const { api, organization, pixelKey } = await newOrganization({ productType: "B2C" });
    const hash = await sha256("jane.doe@example.com");
    const { admin } = await import("./support/api");
    await admin("POST", "/people", [
      { emailSha256: hash, name: "Jane Doe", jobTitle: "CTO", emailDomain: "example.com" },
    ]);
    const ip = freshIp();
    await sendHit(pageView(pixelKey, "https://shop.example/"), { ip });
    await sendHit({ k: pixelKey, t: "i", i: crypto.randomUUID(), u: "https://shop.example/", h: hash }, { ip });
    await sendHit(pageView(pixelKey, "https://shop.example/cart", { h: hash }), { ip });
    const rows = await waitForReceipts(organization.id, 3);
    expect(rows.map((r) => r.reason).sort()).toEqual(["already_charged_this_period", "charged", "not_identified"]);

    const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(body.visitors).toHaveLength(1);
    // The page viewed before identify() in the same session belongs to the person too.
    expect(body.visitors[0]).toMatchObject({
      type: "person",
      company: null,
      person: { name: "Jane Doe", jobTitle: "CTO", emailDomain: "example.com" },
      engagement: { sessions: 1, pageViews: 2 },
      pages: { landingPage: "/", lastPage: "/cart" },
    });
    expect(JSON.stringify(body)).not.toContain("jane.doe");
  });

  it("adds engagement time and scroll depth to the visitor, keeping the maximum per page view", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const view = pageView(pixelKey);
    await sendHit(view, { ip });
    await waitForReceipts(organization.id, 1);
    const engagement = (s: number, d: number) => ({
      k: pixelKey,
      t: "e" as const,
      i: crypto.randomUUID(),
      u: view.u,
      p: view.i,
      s,
      d,
    });
    await sendHit(engagement(12, 40), { ip });
    await sendHit(engagement(30, 75), { ip });
    await sendHit(engagement(20, 50), { ip }); // an older, smaller report changes nothing
    await vi.waitFor(
      async () => {
        const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
        expect(body.visitors[0].engagement).toMatchObject({ totalTimeSeconds: 30, avgScrollDepth: 75, pageViews: 1 });
      },
      { timeout: 10_000 },
    );
  });

  it("rejects malformed hits with 400 and oversized ones with 413, in the error envelope", async () => {
    const { pixelKey } = await newOrganization();
    expectEnvelope(await sendHit("not json"), 400, "BadRequest");
    expectEnvelope(await sendHit("[]"), 400, "BadRequest");
    const missingId = await sendHit(JSON.stringify({ k: pixelKey, t: "v", u: "https://client.example/" }));
    expectEnvelope(missingId, 400, "BadRequest");
    expect(missingId.body.details).toContainEqual(expect.objectContaining({ field: "i" }));
    expectEnvelope(
      await sendHit(JSON.stringify({ ...pageView(pixelKey), u: "javascript:alert(1)" })),
      400,
      "BadRequest",
    );
    expectEnvelope(await sendHit(JSON.stringify({ ...pageView(pixelKey), t: "x" })), 400, "BadRequest");
    const big = JSON.stringify({ ...pageView(pixelKey), r: "x".repeat(MAX_HIT_BYTES) });
    expectEnvelope(await sendHit(big), 413, "PayloadTooLarge");
  });

  it("falls back to D1 when the key is missing from KV, and puts it back", async () => {
    const { organization, pixelKey } = await newOrganization();
    await env.PIXELS.delete(pixelKey);
    // A fresh isolate in a location that has not read the key: nothing in memory or the location's cache either.
    forgetRememberedPixels();
    await forgetLocationPixels(pixelKey);
    expect(await env.PIXELS.get(pixelKey)).toBeNull();
    const res = await sendHit(pageView(pixelKey), { ip: freshIp() });
    expect(res.status).toBe(204);
    await waitForReceipts(organization.id, 1);
    await vi.waitFor(async () =>
      expect(await env.PIXELS.get(pixelKey, "json")).toMatchObject({ organizationId: organization.id }),
    );
  });

  it("drops hits under Do-Not-Track or GPC when the organization honours them", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    expect((await sendHit(pageView(pixelKey), { headers: { "sec-gpc": "1" } })).status).toBe(204);
    expect((await sendHit(pageView(pixelKey), { headers: { dnt: "1" } })).status).toBe(204);
    await api("PUT", `/organizations/${organization.id}/pixel`, { respectPrivacySignals: false });
    // The control: sent after the two dropped hits, through the same queue; once it is stored, they had their turn.
    await sendHit(pageView(pixelKey), { headers: { "sec-gpc": "1" } });
    await waitForReceipts(organization.id, 1);
    expect(await receipts(organization.id)).toHaveLength(1);
  });
});

describe("collect path, as the script sends it", () => {
  /** Bytes as the script sends them ("3,141,…") and as the Worker stores them (hex). */
  const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
  const byteList = (bytes: Uint8Array) => [...bytes].join(",");
  const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

  it("accepts the array form, with event ids as byte lists and depth as a share of the page", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`, "Array Corp");
    const viewId = randomBytes(16);
    const url = "https://client.example/array";
    // [k, t, i, u, h, b, r, w]: no hash yet, a person's browser, no referrer.
    expect(
      (await sendHit(JSON.stringify([pixelKey, "v", byteList(viewId), url, null, false, "", 1280]), { ip })).status,
    ).toBe(204);
    const [receipt] = await waitForReceipts(organization.id, 1);
    expect(receipt).toMatchObject({ event_id: hex(viewId), reason: "charged" });
    // [k, t, i, u, h, b, p, s, d]: depth a little over the bottom is the bottom.
    const engagement = [pixelKey, "e", byteList(randomBytes(16)), url, null, null, byteList(viewId), 7, 1.02];
    expect((await sendHit(JSON.stringify(engagement), { ip })).status).toBe(204);
    await vi.waitFor(
      async () => {
        const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
        expect(body.visitors[0].engagement).toMatchObject({ totalTimeSeconds: 7, avgScrollDepth: 100, pageViews: 1 });
      },
      { timeout: 10_000 },
    );
  });

  it("flags a hit from an automated browser as a bot, from the array form's webdriver flag", async () => {
    const { organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const hit = [pixelKey, "v", byteList(randomBytes(16)), "https://client.example/", null, true, null, 1280];
    await sendHit(JSON.stringify(hit), { ip, userAgent: BROWSER_UA });
    const [receipt] = await waitForReceipts(organization.id, 1);
    expect(receipt).toMatchObject({ reason: "bot", credits: 0 });
  });

  it("rejects an array whose ids or hash are not byte lists of the right length, naming the field", async () => {
    const { pixelKey } = await newOrganization();
    const url = "https://client.example/";
    const cases: [unknown[], string][] = [
      [[pixelKey, "v", "1,2,300", url], "i"],
      [[pixelKey, "v", byteList(randomBytes(15)), url], "i"],
      [[pixelKey, "i", byteList(randomBytes(16)), url, byteList(randomBytes(31))], "h"],
      [[pixelKey, "e", byteList(randomBytes(16)), url, null, null, "x", 3, 0.5], "p"],
      [[pixelKey, "v", byteList(randomBytes(16)), "javascript:alert(1)"], "u"],
    ];
    for (const [hit, field] of cases) {
      const res = await sendHit(JSON.stringify(hit));
      expectEnvelope(res, 400, "BadRequest");
      expect(res.body.details).toContainEqual(expect.objectContaining({ field }));
    }
  });

  it("serves browsers that send Do-Not-Track or GPC a script that sends nothing, when the organization honours them", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const script = (headers: Record<string, string> = {}) =>
      exports.default.fetch(`https://api.test/s/${pixelKey}.js`, { headers });
    const live = await script();
    expect(live.headers.get("vary")).toBe("DNT, Sec-GPC");
    expect(await live.text()).toContain("sendBeacon");
    for (const signal of [{ DNT: "1" }, { "Sec-GPC": "1" }] as Record<string, string>[]) {
      const inert = await script(signal);
      expect(inert.status).toBe(200);
      expect(inert.headers.get("vary")).toBe("DNT, Sec-GPC");
      const text = await inert.text();
      expect(text).not.toContain("sendBeacon");
      expect(text).toContain("identify"); // the site's calls still find the API
    }
    await api("PUT", `/organizations/${organization.id}/pixel`, { respectPrivacySignals: false });
    const ignored = await script({ DNT: "1", "Sec-GPC": "1" });
    expect(ignored.headers.get("vary")).toBeNull();
    expect(await ignored.text()).toContain("sendBeacon");
  });
});

async function sha256(text: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text.trim().toLowerCase()));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
