import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AcceptedHit } from "../../worker/collect/message";
import { admin } from "./support/api";
import { importCompany, newOrganization, organizationKey, tenantOfOrganization } from "./support/partners";
import { accepted, deliver, deliverTo, freshIp, hitQueueOf } from "./support/hits";
import { receipts, waitForReceipts } from "./support/receipts";
import { shardedName } from "../../worker/shards";
import { DEVICE_ROWS_PER_DAY } from "../../worker/collect/device-state";
import { ANONYMOUS_TEXTS_PER_DAY } from "../../worker/collect/plan";
import { STORED_PAGE_VIEWS_PER_DAY } from "../../worker/collect/plan-pages";

/** The organization's daily rollups, summed over its days. */
async function rollup(organizationId: string) {
  const row = await (
    await tenantOfOrganization(organizationId)
  ).DB.prepare(
    `SELECT coalesce(sum(events), 0) AS events, coalesce(sum(page_views), 0) AS page_views,
       coalesce(sum(visitors), 0) AS visitors, coalesce(sum(credits), 0) AS charged,
       coalesce(sum(already_charged), 0) AS already_charged, coalesce(sum(not_identified), 0) AS not_identified,
       coalesce(sum(suspicious), 0) AS suspicious, coalesce(sum(late_engagements), 0) AS late_engagements,
       coalesce(sum(referrer_not_allowed), 0) AS referrer_not_allowed, coalesce(sum(disabled), 0) AS disabled
     FROM usage_daily WHERE organization_id = ?`,
  )
    .bind(organizationId)
    .first<Record<string, number>>();
  return row!;
}

/** Rows the organization keeps per hit: visitors, sessions, page views, receipts. */
async function storedRows(organizationId: string) {
  const key = "(SELECT key FROM organization_keys WHERE organization_id = ?)";
  const row = await (
    await tenantOfOrganization(organizationId)
  ).DB.prepare(
    `SELECT (SELECT count(*) FROM visitors WHERE org = ${key}) AS visitors,
       (SELECT count(*) FROM sessions WHERE org = ${key}) AS sessions,
       (SELECT count(*) FROM page_views WHERE visitor IN (SELECT seq FROM visitors WHERE org = ${key})) AS page_views,
       (SELECT count(*) FROM charges WHERE org = ${key}) AS charges`,
  )
    .bind(organizationId, organizationId, organizationId, organizationId)
    .first<Record<string, number>>();
  return row!;
}

/**
 * H4: what an anonymous hit may leave in `device_days` at most, in bytes: the row's text values (device,
 * counted event keys, visits, people) and 8 bytes for each of its four integers, as the audit measured.
 */
const ANONYMOUS_DEVICE_ROW_BYTES = 150;

/** The organization's device rows and their size (text values, plus 8 bytes per integer column). */
async function deviceRows(organizationId: string) {
  const row = await (
    await tenantOfOrganization(organizationId)
  ).DB.prepare(
    `SELECT count(*) AS rows, coalesce(sum(length(device) + length(seen) + coalesce(length(visits), 0)
       + coalesce(length(people), 0) + 4 * 8), 0) AS bytes
     FROM device_days WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?)`,
  )
    .bind(organizationId)
    .first<{ rows: number; bytes: number }>();
  return row!;
}

/** The texts the organization's anonymous B2C visits kept (`anonymous_texts`): rows and bytes. */
async function anonymousTexts(organizationId: string) {
  const row = await (
    await tenantOfOrganization(organizationId)
  ).DB.prepare(
    `SELECT count(*) AS rows, coalesce(sum(length(key) + length(text) + 2 * 8), 0) AS bytes FROM anonymous_texts
     WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?)`,
  )
    .bind(organizationId)
    .first<{ rows: number; bytes: number }>();
  return row!;
}

const withHit = (message: AcceptedHit, hit: Partial<AcceptedHit["hit"]>): AcceptedHit =>
  ({ ...message, hit: { ...message.hit, ...hit } }) as AcceptedHit;

const engagementOf = (message: AcceptedHit, pageViewId: string, seconds: number, depth: number): AcceptedHit =>
  ({
    ...message,
    receivedAt: message.receivedAt + 1000,
    hit: { k: message.hit.k, t: "e", i: crypto.randomUUID(), u: message.hit.u, p: pageViewId, s: seconds, d: depth },
  }) as AcceptedHit;

async function sha256(text: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("what the hits consumer keeps", () => {
  it("counts anonymous hits in the daily rollups without a row per hit, once however often the batch is delivered", async () => {
    const { organization, partner, pixelKey } = await newOrganization();
    const now = Date.now();
    const ips = [freshIp(), freshIp(), freshIp(), freshIp(), freshIp()];
    const batch = [
      ...ips.map((ip, i) => accepted(organization.id, partner, pixelKey, ip, now + i)),
      accepted(organization.id, partner, pixelKey, ips[0]!, now + 10), // the first device's second page view
    ];
    await deliver(batch);
    await deliver(batch); // redelivered
    await Promise.all([deliver(batch), deliver(batch)]); // and delivered twice at once
    expect(await rollup(organization.id)).toMatchObject({
      events: 6,
      page_views: 6,
      visitors: 5,
      not_identified: 6,
      charged: 0,
    });
    expect(await storedRows(organization.id)).toEqual({ visitors: 0, sessions: 0, page_views: 0, charges: 0 });
  });

  it("keeps the day's 50 most viewed pages across batches, and counts the views of the others apart", async () => {
    const { organization, partner, pixelKey } = await newOrganization();
    const ip = freshIp();
    const now = Date.now();
    // Page n is viewed n times the first time; the second batch adds 30 new pages and views page 1 40 times.
    const views = (paths: [string, number][], from: number) =>
      paths.flatMap(([path, n], i) =>
        Array.from({ length: n }, (_, j) =>
          withHit(accepted(organization.id, partner, pixelKey, ip, from + i * 100 + j), {
            u: `https://www.client.example${path}`,
          }),
        ),
      );
    const first = views(
      Array.from({ length: 40 }, (_, n) => [`/first/${n + 1}`, n + 1]),
      now,
    );
    const second = views(
      [["/first/1", 40], ...Array.from({ length: 30 }, (_, n): [string, number] => [`/second/${n + 1}`, 2])],
      now + 10_000,
    );
    for (let i = 0; i < first.length; i += 100) await deliver(first.slice(i, i + 100));
    for (let i = 0; i < second.length; i += 100) await deliver(second.slice(i, i + 100));
    await deliver(second.slice(0, 100)); // redelivered: counted once

    const { DB } = await tenantOfOrganization(organization.id);
    const row = (await DB.prepare("SELECT pages, other_pages FROM usage_daily WHERE organization_id = ?")
      .bind(organization.id)
      .first<{ pages: string; other_pages: number }>())!;
    const pages = JSON.parse(row.pages) as Record<string, number>;
    const total = first.length + second.length;
    expect(Object.keys(pages)).toHaveLength(50);
    expect(Object.values(pages).reduce((a, b) => a + b, 0) + row.other_pages).toBe(total);
    expect(pages["/first/1"]).toBe(41);
    expect(pages["/first/3"]).toBe(3);
    // Eleven places left for the 31 pages viewed twice, taken in key order: 20 of them fall out.
    expect(pages["/first/2"]).toBe(2);
    expect(Object.keys(pages).filter((p) => p.startsWith("/second/"))).toHaveLength(10);
    expect(row.other_pages).toBe(40);
  });

  it("counts a busy device's full batch once when it is redelivered after the device's next batch", async () => {
    const { organization, partner, pixelKey } = await newOrganization();
    const ip = freshIp();
    const now = Date.now();
    const views = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => accepted(organization.id, partner, pixelKey, ip, now + from + i));
    const first = views(0, 100);
    await deliver(first);
    await deliver(views(1_000, 100));
    await deliver(first); // a retry of the first batch arrives after the next one
    expect(await rollup(organization.id)).toMatchObject({ events: 200, page_views: 200, visitors: 1 });
  });

  it("keeps an identified visitor's story: visitor, session, page views with engagement, and the charge", async () => {
    const { api, organization, partner, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`, "Storyline Inc");
    const now = Date.now();
    const first = withHit(accepted(organization.id, partner, pixelKey, ip, now), {
      u: "https://client.example/pricing?utm_source=news",
    });
    const second = withHit(accepted(organization.id, partner, pixelKey, ip, now + 60_000), {
      u: "https://client.example/docs",
    });
    await deliver([first]);
    await deliver([second, engagementOf(second, second.hit.i, 42, 80)]);
    await deliver([engagementOf(first, first.hit.i, 10, 30)]);
    expect(await storedRows(organization.id)).toEqual({ visitors: 1, sessions: 1, page_views: 2, charges: 1 });
    const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(body.visitors[0]).toMatchObject({
      company: { name: "Storyline Inc" },
      engagement: { sessions: 1, pageViews: 2, totalTimeSeconds: 52, avgScrollDepth: 55 },
      pages: {
        landingPage: "/pricing",
        lastPage: "/docs",
        topPages: [
          { path: "/docs", views: 1 },
          { path: "/pricing", views: 1 },
        ],
      },
      source: { utmSource: "news" },
    });
    expect(await rollup(organization.id)).toMatchObject({ page_views: 2, charged: 1, already_charged: 1 });
  });

  it("finds the page view of an engagement hit sent by another browser of the same company (a beacon while the page unloads)", async () => {
    const { api, organization, partner, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const view = accepted(organization.id, partner, pixelKey, ip, Date.now());
    await deliver([view]);
    const beacon = {
      ...engagementOf(view, view.hit.i, 21, 40),
      userAgent: "Mozilla/5.0 HeadlessChrome/150.0",
      bot: true,
    };
    await deliver([beacon]);
    const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(body.visitors[0].engagement).toMatchObject({ pageViews: 1, totalTimeSeconds: 21, avgScrollDepth: 40 });
  });

  it("M4: keeps the same event id apart in two organizations: each is charged, stored and announced", async () => {
    const a = await newOrganization();
    const b = await newOrganization();
    for (const o of [a, b]) await o.api("PUT", "/webhooks/billing", { url: "https://receiver.example/hooks" });
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const eventId = crypto.randomUUID();
    const now = Date.now();
    await deliver([withHit(accepted(a.organization.id, a.partner, a.pixelKey, ip, now), { i: eventId })]);
    await deliver([withHit(accepted(b.organization.id, b.partner, b.pixelKey, ip, now), { i: eventId })]);
    for (const o of [a, b]) {
      expect(await receipts(o.organization.id)).toEqual([
        expect.objectContaining({ event_id: eventId, reason: "charged" }),
      ]);
      expect((await o.api("GET", `/organizations/${o.organization.id}`)).body.organization.creditsUsed).toBe(1);
      const logs = await o.api("GET", "/webhooks/logs");
      expect(logs.body.deliveries.map((d: { eventType: string }) => d.eventType)).toEqual(["usage.recorded"]);
    }

    // An engagement sent with A's key for B's page view changes nothing of B's.
    const view = crypto.randomUUID();
    await deliver([withHit(accepted(b.organization.id, b.partner, b.pixelKey, ip, now + 1000), { i: view })]);
    const forged = engagementOf(accepted(a.organization.id, a.partner, a.pixelKey, ip, now + 2000), view, 86_400, 100);
    await deliver([forged], { attempts: 3 });
    const visitors = await b.api("GET", `/organizations/${b.organization.id}/visitors`);
    expect(visitors.body.visitors[0].engagement).toMatchObject({ totalTimeSeconds: 0, avgScrollDepth: 0 });
    expect((await rollup(a.organization.id)).late_engagements).toBe(1);
  });

  it("H3: charges at most three people per device and day; further people on it are counted suspicious", async () => {
    const { api, organization, partner, pixelKey } = await newOrganization({ productType: "B2C" });
    const hashes = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => sha256(`person-${n}-${crypto.randomUUID()}@example.com`)),
    );
    await admin(
      "POST",
      "/people",
      hashes.map((h, n) => ({ emailSha256: h, name: `Person ${n}` })),
    );
    const ip = freshIp();
    const now = Date.now();
    const identify = (h: string, at: number, from = ip) =>
      ({
        ...accepted(organization.id, partner, pixelKey, from, at),
        productType: "B2C",
        hit: { k: pixelKey, t: "i", i: crypto.randomUUID(), u: "https://shop.example/", h },
      }) as AcceptedHit;
    await deliver(hashes.slice(0, 4).map((h, i) => identify(h, now + i)));
    await deliver([identify(hashes[4]!, now + 10), identify(hashes[0]!, now + 11)]);
    const rows = await receipts(organization.id);
    expect(rows.map((r) => r.reason)).toEqual([
      "charged",
      "charged",
      "charged",
      "already_charged_this_period",
      "suspicious",
      "suspicious",
    ]);
    expect((await api("GET", `/organizations/${organization.id}`)).body.organization.creditsUsed).toBe(3);
    // Another device may still identify the fourth person.
    await deliver([identify(hashes[3]!, now + 20, freshIp())]);
    expect((await api("GET", `/organizations/${organization.id}`)).body.organization.creditsUsed).toBe(4);
  });

  it("H4: an anonymous B2C page view with a fresh User-Agent keeps at most 150 bytes of device row, however long its URL", async () => {
    const { organization, partner, pixelKey } = await newOrganization({ productType: "B2C" });
    const ip = freshIp();
    const now = Date.now();
    const long = (n: number) => "x".repeat(n);
    const utm = ["source", "medium", "campaign", "term", "content"].map((k) => `utm_${k}=${long(250)}`).join("&");
    const hits = Array.from(
      { length: 50 },
      (_, i) =>
        ({
          ...accepted(organization.id, partner, pixelKey, ip, now + i),
          productType: "B2C",
          userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0.${i}.0 Safari/537.36`,
          hit: {
            k: pixelKey,
            t: "v",
            i: crypto.randomUUID(),
            u: `https://shop.example/${long(1000)}?${utm}`,
            r: `https://search.example/${long(500)}`,
            w: 1280,
          },
        }) as AcceptedHit,
    );
    await deliver(hits);
    const { rows, bytes } = await deviceRows(organization.id);
    console.log(`H4: device_days rows: ${rows}, bytes: ${bytes}, bytes per anonymous hit: ${bytes / hits.length}`);
    expect(rows).toBe(50);
    expect(bytes / hits.length).toBeLessThanOrEqual(ANONYMOUS_DEVICE_ROW_BYTES);
    expect((await rollup(organization.id)).page_views).toBe(50);
    // Each distinct text (path, how the visit began) is kept once, and at most ANONYMOUS_TEXTS_PER_DAY a day.
    const texts = await anonymousTexts(organization.id);
    console.log(
      `H4: anonymous_texts rows: ${texts.rows}, bytes: ${texts.bytes} (at most ${ANONYMOUS_TEXTS_PER_DAY} a day)`,
    );
    expect(texts.rows).toBe(2);
  });

  it(
    "H4: keeps at most ANONYMOUS_TEXTS_PER_DAY texts of anonymous B2C visits a day; past it, an identify call finds pages among the day's top pages",
    { timeout: 30_000 },
    async () => {
      const { api, organization, partner, pixelKey } = await newOrganization({ productType: "B2C" });
      const hash = await sha256(`texts-${crypto.randomUUID()}@example.com`);
      await admin("POST", "/people", [{ emailSha256: hash, name: "Past The Cap" }]);
      const now = Date.now();
      const day = Math.floor(now / 86_400_000);
      const { DB } = await tenantOfOrganization(organization.id);
      const key = await organizationKey(organization.id);
      await DB.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
       INSERT INTO anonymous_texts (day, org, key, text) SELECT ?1, ?2, 'k' || i, '/earlier/' || i FROM n`,
      )
        .bind(day, key, ANONYMOUS_TEXTS_PER_DAY)
        .run();
      const ip = freshIp();
      const view = (path: string, at: number) =>
        ({
          ...accepted(organization.id, partner, pixelKey, ip, at),
          productType: "B2C",
          hit: {
            k: pixelKey,
            t: "v",
            i: crypto.randomUUID(),
            u: `https://shop.example${path}?utm_source=news`,
            w: 1280,
          },
        }) as AcceptedHit;
      await deliver([view("/landing", now)]);
      await deliver([view("/product", now + 1000)]);
      expect((await anonymousTexts(organization.id)).rows).toBe(ANONYMOUS_TEXTS_PER_DAY);
      await deliver([
        {
          ...view("/product", now + 2000),
          hit: { k: pixelKey, t: "i", i: crypto.randomUUID(), u: "https://shop.example/product", h: hash },
        } as AcceptedHit,
      ]);
      const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
      expect(body.visitors[0]).toMatchObject({
        person: { name: "Past The Cap" },
        engagement: { pageViews: 2 },
        pages: { landingPage: "/landing" },
        // How the visit began was past the cap: its campaign is not known.
        source: { utmSource: null },
      });
    },
  );

  it("H4: keeps at most DEVICE_ROWS_PER_DAY device rows a day for hits that identify nobody, and counts the rest", async () => {
    const { organization, partner, pixelKey } = await newOrganization();
    const now = Date.now();
    // The organization has kept all but two of the day's device rows.
    await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare("INSERT INTO usage_daily (organization_id, day, devices) VALUES (?, ?, ?)")
      .bind(organization.id, new Date(now).toISOString().slice(0, 10), DEVICE_ROWS_PER_DAY - 2)
      .run();
    const anonymous = Array.from({ length: 5 }, (_, i) =>
      accepted(organization.id, partner, pixelKey, freshIp(), now + i),
    );
    const company = freshIp();
    await importCompany(`${company}/32`);
    await deliver([...anonymous, accepted(organization.id, partner, pixelKey, company, now + 10)]);
    expect((await deviceRows(organization.id)).rows).toBe(3);
    const { DB } = await tenantOfOrganization(organization.id);
    const day = await DB.prepare(
      "SELECT devices, untracked, events, page_views FROM usage_daily WHERE organization_id = ?",
    )
      .bind(organization.id)
      .first();
    expect(day).toEqual({ devices: DEVICE_ROWS_PER_DAY + 1, untracked: 3, events: 6, page_views: 6 });
    expect(await receipts(organization.id)).toEqual(
      expect.arrayContaining([expect.objectContaining({ reason: "charged" })]),
    );
  });

  it(
    "H4: stores at most STORED_PAGE_VIEWS_PER_DAY page views per visitor a day, and counts the rest on the visitor",
    { timeout: 30_000 },
    async () => {
      const { api, organization, partner, pixelKey } = await newOrganization();
      const ip = freshIp();
      await importCompany(`${ip}/32`);
      const now = Date.now() - 3_600_000;
      const views = Array.from({ length: STORED_PAGE_VIEWS_PER_DAY + 5 }, (_, i) =>
        withHit(accepted(organization.id, partner, pixelKey, ip, now + i * 1000), {
          u: `https://client.example/p/${i}`,
        }),
      );
      for (let i = 0; i < views.length; i += 100) await deliver(views.slice(i, i + 100));
      expect((await storedRows(organization.id)).page_views).toBe(STORED_PAGE_VIEWS_PER_DAY);
      const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
      expect(body.visitors[0].engagement.pageViews).toBe(STORED_PAGE_VIEWS_PER_DAY + 5);
      const { DB } = await tenantOfOrganization(organization.id);
      const day = await DB.prepare("SELECT unstored_page_views, page_views FROM usage_daily WHERE organization_id = ?")
        .bind(organization.id)
        .first();
      expect(day).toEqual({ unstored_page_views: 5, page_views: STORED_PAGE_VIEWS_PER_DAY + 5 });
    },
  );

  it("L5: retries an engagement whose page view has not arrived, then counts it once and acknowledges it", async () => {
    const { organization, partner, pixelKey } = await newOrganization();
    const engagement = engagementOf(
      accepted(organization.id, partner, pixelKey, freshIp(), Date.now()),
      crypto.randomUUID(),
      5,
      5,
    );
    const waiting = await deliver([engagement], { attempts: 1 });
    expect(waiting.retryMessages.map((m) => m.msgId)).toEqual([`m-${engagement.hit.i}`]);
    const given = await deliver([engagement], { attempts: 3 });
    expect(given.retryMessages).toEqual([]);
    expect(given.explicitAcks).toEqual([`m-${engagement.hit.i}`]);
    await deliver([engagement], { attempts: 4 }); // its acknowledgement was lost: counted already
    expect((await rollup(organization.id)).late_engagements).toBe(1);
  });

  it("L9: retries the hits of an organization that fails and stores the rest of the batch", async () => {
    const failing = await newOrganization();
    const healthy = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const broken = env.CREDITS.idFromName(shardedName(failing.partner.shard, failing.organization.id));
    // The failing organization's credit counter is unreachable (the binding itself is real).
    const faulty = {
      ...env,
      CREDITS: {
        idFromName: (name: string) => env.CREDITS.idFromName(name),
        get: (id: DurableObjectId) =>
          id.equals(broken) ? { charge: () => Promise.reject(new Error("overloaded")) } : env.CREDITS.get(id),
      },
    } as unknown as typeof env;
    const now = Date.now();
    const hits = [
      accepted(failing.organization.id, failing.partner, failing.pixelKey, ip, now),
      accepted(healthy.organization.id, healthy.partner, healthy.pixelKey, ip, now + 1),
    ];
    const result = await deliver(hits, { env: faulty });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([`m-${hits[0]!.hit.i}`]);
    expect(result.explicitAcks).toEqual([`m-${hits[1]!.hit.i}`]);
    expect(await receipts(healthy.organization.id)).toEqual([expect.objectContaining({ reason: "charged" })]);
    expect(await receipts(failing.organization.id)).toEqual([]);
    await deliver([hits[0]!], { attempts: 2 });
    expect(await receipts(failing.organization.id)).toEqual([expect.objectContaining({ reason: "charged" })]);
  });

  it("L12: counts a redelivered batch of hits turned away at the edge once", async () => {
    const { organization, partner, pixelKey } = await newOrganization();
    const batch = [
      { reason: "referrer_not_allowed", id: crypto.randomUUID() },
      { reason: "referrer_not_allowed", id: crypto.randomUUID() },
      { reason: "disabled", id: crypto.randomUUID() },
    ].map(({ reason, id }) => ({
      id,
      body: { kind: "rejected", organizationId: organization.id, shard: partner.shard, reason, receivedAt: Date.now() },
    }));
    const queue = hitQueueOf(pixelKey);
    await deliverTo(queue, batch);
    await deliverTo(queue, batch);
    await Promise.all([deliverTo(queue, batch), deliverTo(queue, batch.slice(1))]);
    expect(await rollup(organization.id)).toMatchObject({ referrer_not_allowed: 2, disabled: 1, events: 0 });
  });

  it("attributes a B2C visitor's page views before identify() in the same session, not those of an earlier session", async () => {
    const { api, organization, partner, pixelKey } = await newOrganization({ productType: "B2C" });
    const hash = await sha256(`stitch-${crypto.randomUUID()}@example.com`);
    await admin("POST", "/people", [{ emailSha256: hash, name: "Stitched Person" }]);
    const ip = freshIp();
    const t0 = Date.now() - 3600_000;
    const view = (path: string, at: number, h?: string) =>
      ({
        ...accepted(organization.id, partner, pixelKey, ip, at),
        productType: "B2C",
        hit: { k: pixelKey, t: "v", i: crypto.randomUUID(), u: `https://shop.example${path}`, w: 1280, h },
      }) as AcceptedHit;
    const earlier = view("/earlier", t0);
    const landing = view("/landing", t0 + 40 * 60_000); // 40 minutes later: a new session
    await deliver([earlier]);
    await deliver([landing, engagementOf(landing, landing.hit.i, 30, 60)]);
    await deliver([
      {
        ...view("/landing", t0 + 45 * 60_000),
        hit: { k: pixelKey, t: "i", i: crypto.randomUUID(), u: "https://shop.example/landing", h: hash },
      } as AcceptedHit,
    ]);
    await deliver([view("/checkout", t0 + 50 * 60_000, hash)]);
    const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(body.visitors).toHaveLength(1);
    expect(body.visitors[0]).toMatchObject({
      type: "person",
      person: { name: "Stitched Person" },
      engagement: { sessions: 1, pageViews: 2, totalTimeSeconds: 30, avgScrollDepth: 60 },
      pages: { landingPage: "/landing", lastPage: "/checkout" },
    });
    expect(await rollup(organization.id)).toMatchObject({
      page_views: 3,
      not_identified: 2,
      charged: 1,
      already_charged: 1,
    });
  });

  it("N11: keeps no address, user agent, page URL or email hash of a dead-lettered hit", async () => {
    const { organization, partner, pixelKey } = await newOrganization({ productType: "B2C" });
    const ip = freshIp();
    const h = await sha256(`dead-${crypto.randomUUID()}@example.com`);
    const hit = {
      ...accepted(organization.id, partner, pixelKey, ip, Date.now()),
      productType: "B2C",
      userAgent: "Mozilla/5.0 (X11; Linux x86_64) Dead/Letter",
      hit: { k: pixelKey, t: "i", i: crypto.randomUUID(), u: "https://shop.example/account?email=erin@example.com", h },
    } as AcceptedHit;
    expect((await deliverTo("sightline-hits-dlq", [{ id: crypto.randomUUID(), body: hit, attempts: 11 }])).ackAll).toBe(
      true,
    );
    const row = await env.CATALOG.prepare("SELECT kind, latest FROM dead_letters WHERE organization_id = ?")
      .bind(organization.id)
      .first<{ kind: string; latest: string }>();
    expect(row?.kind).toBe("hit:i");
    for (const personal of [ip, h, "Dead/Letter", "erin@example.com", "shop.example"]) {
      expect(row?.latest).not.toContain(personal);
    }
    expect(JSON.parse(row!.latest)).toEqual({
      kind: "hit",
      t: "i",
      eventId: hit.hit.i,
      organizationId: organization.id,
      shard: partner.shard,
      productType: "B2C",
      receivedAt: hit.receivedAt,
    });
  });

  it("records what reaches the hits and jobs dead-letter queues, per day and kind", async () => {
    const { organization, partner, pixelKey } = await newOrganization();
    const hit = accepted(organization.id, partner, pixelKey, freshIp(), Date.now());
    const hits = await deliverTo("sightline-hits-dlq", [
      { id: crypto.randomUUID(), body: hit, attempts: 11 },
      { id: crypto.randomUUID(), body: { ...hit, hit: { ...hit.hit, i: crypto.randomUUID() } }, attempts: 11 },
    ]);
    expect(hits.ackAll).toBe(true);
    const jobs = await deliverTo("sightline-jobs-dlq", [
      { id: crypto.randomUUID(), body: { type: "icp.rescore", organizationId: organization.id }, attempts: 6 },
    ]);
    expect(jobs.ackAll).toBe(true);
    const { results } = await env.CATALOG.prepare(
      "SELECT queue, kind, count, organization_id FROM dead_letters WHERE organization_id = ? ORDER BY queue",
    )
      .bind(organization.id)
      .all();
    expect(results).toEqual([
      { queue: "sightline-hits-dlq", kind: "hit:v", count: 2, organization_id: organization.id },
      { queue: "sightline-jobs-dlq", kind: "job:icp.rescore", count: 1, organization_id: organization.id },
    ]);
    expect(await waitForReceipts(organization.id, 0)).toEqual([]);
  });
});
