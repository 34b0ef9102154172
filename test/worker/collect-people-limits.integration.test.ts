import { describe, expect, it } from "vitest";
import type { AcceptedHit } from "../../worker/collect/message";
import { PEOPLE_PER_ADDRESS, PEOPLE_PER_HOUR } from "../../worker/collect/people-limits";
import { eventTypeOf, receiverBucket } from "../fixtures/receiver";
import { b2cOrganization, importedPerson } from "./support/people";
import { newPartner, organizationKey, tenantOfOrganization } from "./support/partners";
import { accepted, deliver, freshIp, sendHit } from "./support/hits";
import { receipts, waitForReceipts } from "./support/receipts";

/** H3: how many people one address, and one organization in an hour, can have charged. */

type Api = Awaited<ReturnType<typeof newPartner>>["api"];

const DAY_MS = 24 * 3600_000;

const creditsUsed = async (api: Api, organizationId: string) =>
  (await api("GET", `/organizations/${organizationId}`)).body.organization.creditsUsed as number;

/** Outcomes of the organization's hits, sorted (receipts a test wrote itself, `earlier-…`, left out). */
const reasons = async (organizationId: string) =>
  (await receipts(organizationId))
    .filter((r) => !r.event_id?.startsWith("earlier-"))
    .map((r) => r.reason)
    .sort();

/** A browser's User-Agent, a different one for each `n`: every hit a new device. */
const userAgent = (n: number) =>
  `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.${n}.0 Safari/537.36`;

async function people(count: number) {
  return Promise.all(Array.from({ length: count }, (_, n) => importedPerson(`Person ${n}`)));
}

describe("the people one source can have charged", () => {
  it(
    "H3: charges at most PEOPLE_PER_ADDRESS people per address and day, whatever the User-Agent, also in concurrent batches",
    { timeout: 30_000 },
    async () => {
      const { api, partner } = await newPartner();
      const shop = await b2cOrganization(api);
      const hashes = await people(PEOPLE_PER_ADDRESS + 5);
      const ip = freshIp();
      const now = Date.now();
      const identify = (h: string, n: number, from = ip): AcceptedHit => ({
        ...accepted(shop.id, partner, shop.pixelKey, from, now + n),
        productType: "B2C",
        userAgent: userAgent(n),
        hit: { k: shop.pixelKey, t: "i", i: crypto.randomUUID(), u: "https://shop.example/account", h },
      });
      const hits = hashes.map((h, n) => identify(h, n));
      // Three consumers at once, each with a third of the hits: they race for the address's last places.
      await Promise.all([0, 1, 2].map((k) => deliver(hits.filter((_, n) => n % 3 === k))));
      expect(await reasons(shop.id)).toEqual(
        [...Array(PEOPLE_PER_ADDRESS).fill("charged"), ...Array(5).fill("suspicious")].sort(),
      );
      expect(await creditsUsed(api, shop.id)).toBe(PEOPLE_PER_ADDRESS);
      // A person already charged from the address is identified again; a refused one is not remembered:
      // from another address they are charged.
      const charged = new Set((await receipts(shop.id)).filter((r) => r.reason === "charged").map((r) => r.event_id));
      const refused = hits.find((h) => !charged.has(h.hit.i))!;
      const again = hits.find((h) => charged.has(h.hit.i))!;
      await deliver([identify(again.hit.h!, 100)]);
      await deliver([identify(refused.hit.h!, 101, freshIp())]);
      expect(await creditsUsed(api, shop.id)).toBe(PEOPLE_PER_ADDRESS + 1);
      expect((await receipts(shop.id)).filter((r) => r.reason === "already_charged_this_period")).toHaveLength(1);
    },
  );

  it(
    "H3: from one address with a rotating User-Agent, charges at most PEOPLE_PER_ADDRESS people in a whole day, however the hits are spread over it; the next day opens it again",
    { timeout: 60_000 },
    async () => {
      const { api, partner } = await newPartner();
      const shop = await b2cOrganization(api);
      const hashes = await people(PEOPLE_PER_ADDRESS + 4);
      const ip = freshIp();
      // A UTC day (the day of the address rule) that has not begun, and the one after it.
      const dayStart = (Math.floor(Date.now() / DAY_MS) + 1) * DAY_MS;
      const identify = (h: string, n: number, at: number): AcceptedHit => ({
        ...accepted(shop.id, partner, shop.pixelKey, ip, at),
        productType: "B2C",
        userAgent: userAgent(n),
        hit: { k: shop.pixelKey, t: "i", i: crypto.randomUUID(), u: "https://shop.example/", h },
      });
      // One person every 100 minutes from 00:00 to 21:40, each on a new device, each batch on its own.
      for (const [n, h] of hashes.entries()) await deliver([identify(h, n, dayStart + n * 100 * 60_000)]);
      expect(await creditsUsed(api, shop.id)).toBe(PEOPLE_PER_ADDRESS);
      expect(await reasons(shop.id)).toEqual(
        [...Array(PEOPLE_PER_ADDRESS).fill("charged"), ...Array(4).fill("suspicious")].sort(),
      );
      // 23:59 still counts in that day.
      const late = await people(1);
      await deliver([identify(late[0]!, 99, dayStart + DAY_MS - 60_000)]);
      expect(await creditsUsed(api, shop.id)).toBe(PEOPLE_PER_ADDRESS);

      // The next day, the people refused and new ones are charged, again up to the rule.
      const refused = hashes.slice(PEOPLE_PER_ADDRESS);
      const fresh = await people(PEOPLE_PER_ADDRESS - refused.length + 1);
      for (const [n, h] of [...refused, ...fresh].entries())
        await deliver([identify(h, 100 + n, dayStart + DAY_MS + n * 60_000)]);
      expect(await creditsUsed(api, shop.id)).toBe(2 * PEOPLE_PER_ADDRESS);
    },
  );

  it("H3: counts an IPv6 sender by its /64 for the people per address", { timeout: 30_000 }, async () => {
    const { api, partner } = await newPartner();
    const shop = await b2cOrganization(api);
    const hashes = await people(PEOPLE_PER_ADDRESS + 2);
    const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:9`;
    const now = Date.now();
    await deliver(
      hashes.map((h, n) => ({
        ...accepted(shop.id, partner, shop.pixelKey, `${prefix}::${(n + 1).toString(16)}`, now + n),
        productType: "B2C",
        userAgent: userAgent(n),
        hit: { k: shop.pixelKey, t: "i", i: crypto.randomUUID(), u: "https://shop.example/", h },
      })),
    );
    expect(await creditsUsed(api, shop.id)).toBe(PEOPLE_PER_ADDRESS);
  });

  it(
    "H3: through POST /e from one address with a rotating User-Agent, charges at most PEOPLE_PER_ADDRESS people a day",
    { timeout: 30_000 },
    async () => {
      const { api } = await newPartner();
      const shop = await b2cOrganization(api);
      const hashes = await people(PEOPLE_PER_ADDRESS + 2);
      const ip = freshIp();
      for (const [n, h] of hashes.entries()) {
        const hit = { k: shop.pixelKey, t: "i" as const, i: crypto.randomUUID(), u: "https://shop.example/", h };
        expect((await sendHit(hit, { ip, userAgent: userAgent(n) })).status).toBe(204);
      }
      await waitForReceipts(shop.id, hashes.length);
      expect(await creditsUsed(api, shop.id)).toBe(PEOPLE_PER_ADDRESS);
      expect((await reasons(shop.id)).filter((r) => r === "suspicious")).toHaveLength(2);
    },
  );

  it(
    "H3: pauses charging new people at PEOPLE_PER_HOUR an hour, tells the partner b2c.anomaly once, and resumes as the hour moves on",
    { timeout: 30_000 },
    async () => {
      const { api, partner } = await newPartner();
      const receiver = receiverBucket();
      expect((await api("PUT", "/webhooks/billing", { url: receiver.url("ok") })).status).toBe(200);
      const shop = await b2cOrganization(api);
      const now = Date.now();
      // All but one of the hour's people were charged a little under an hour ago (their receipts, as the consumer writes them).
      const key = await organizationKey(shop.id);
      await (
        await tenantOfOrganization(shop.id)
      ).DB.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
       INSERT INTO charges (org, at, event_id, visitor, type, period_start)
       SELECT ?1, ?2, 'earlier-' || i, substr('earlier' || i || '0000000', 1, 11), 'person', ?2 FROM n`,
      )
        .bind(key, Math.floor(now / 1000) - 3500, PEOPLE_PER_HOUR - 1)
        .run();
      const hashes = await people(4);
      const identify = (h: string, at: number): AcceptedHit => ({
        ...accepted(shop.id, partner, shop.pixelKey, freshIp(), at),
        productType: "B2C",
        hit: { k: shop.pixelKey, t: "i", i: crypto.randomUUID(), u: "https://shop.example/", h },
      });
      await deliver(hashes.slice(0, 3).map((h, n) => identify(h, now + n)));
      expect(await reasons(shop.id)).toEqual(["charged", "suspicious", "suspicious"]);
      await deliver([identify(hashes[3]!, now + 10)]); // still paused, and told once
      expect(await reasons(shop.id)).toEqual(["charged", "suspicious", "suspicious", "suspicious"]);

      const anomalies = await receiver.waitFor(1, (r) => eventTypeOf(r) === "b2c.anomaly");
      expect(anomalies).toHaveLength(1);
      expect(JSON.parse(anomalies[0]!.body)).toMatchObject({
        type: "b2c.anomaly",
        partnerId: partner.id,
        organizationId: shop.id,
        ceiling: PEOPLE_PER_HOUR,
        peopleCharged: PEOPLE_PER_HOUR,
        refused: 2,
      });

      // Two minutes later, the receipts of the hour before no longer count: the refused people are charged.
      await deliver([identify(hashes[1]!, now + 120_000)]);
      expect(await creditsUsed(api, shop.id)).toBe(2);
    },
  );
});
