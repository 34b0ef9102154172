import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import { createErasure } from "../../worker/erasures/queries";
import { counterTablesMentioning, flushCounter } from "./support/counter";
import { b2cOrganization, importedPerson, visitAndIdentify } from "./support/people";
import { d1TablesMentioning, everyKvEntry } from "./support/stores";
import { ERASURE_PAGE_SIZE } from "../../worker/erasures/person";
import { addSuppression } from "../../worker/suppressions/queries";
import { ERASE_ROWS } from "../../worker/erasures/visitor";
import { expectEnvelope } from "./support/api";
import { newPartner, tenantOf } from "./support/partners";
import { deliver, deliverTo } from "./support/hits";
import { holdingBatch, recordingChanges } from "./support/env-faults";
import { receiverBucket } from "../fixtures/receiver";
import { saltedKey } from "../../worker/visitors/keys";
import { personIdentity } from "../../worker/identify/identifier";

/** Erasing a person: their visitor goes from every organization of the partner, and they are suppressed. */

type Api = Awaited<ReturnType<typeof newPartner>>["api"];

async function completed(api: Api, erasureId: string) {
  return vi.waitFor(
    async () => {
      const res = await api("GET", `/erasures/${erasureId}`);
      expect(res.body.erasure.status, res.text).toBe("completed");
      return res.body.erasure;
    },
    { timeout: 15_000, interval: 100 },
  );
}

const debitsOf = async (api: Api, organizationId: string) =>
  (await api("GET", `/organizations/${organizationId}/ledger?kind=debit`)).body.entries.map(
    (e: { credits: number }) => e.credits,
  );

describe("erasing a person", () => {
  it(
    "leaves neither their email hash nor their visitor ids anywhere, keeps every amount, and suppresses them",
    { timeout: 20_000 },
    async () => {
      const { api, partner } = await newPartner();
      const [shop, store] = [await b2cOrganization(api, "Shop"), await b2cOrganization(api, "Store")];
      const [person, kept] = [await importedPerson("Erased Person"), await importedPerson("Kept Person")];
      await deliver([
        ...visitAndIdentify(shop, partner, person),
        ...visitAndIdentify(store, partner, person),
        ...visitAndIdentify(shop, partner, kept),
      ]);
      await flushCounter(shop.id);
      // The store's counter is left unmirrored: its ledger entry still waits in the outbox.
      const exported = (await api("GET", `/people/${person}/export`)).body.export;
      const visitorOf = (organizationId: string): string =>
        exported.organizations.find((o: { organizationId: string }) => o.organizationId === organizationId).visitorId;
      const visitorIds = [visitorOf(shop.id), visitorOf(store.id)];
      expect(visitorIds).toHaveLength(2);
      const stored = visitorIds.map((id) => id.slice("vis_".length));
      expect(Object.keys(await d1TablesMentioning(...stored))).toEqual(
        expect.arrayContaining(["visitors", "charges", "ledger_entries", "device_days"]),
      );
      expect(Object.keys(await counterTablesMentioning(shop.id, visitorIds[0]!))).toEqual(["charged"]);
      expect(Object.keys(await counterTablesMentioning(store.id, visitorIds[1]!)).sort()).toEqual([
        "charged",
        "ledger",
      ]);
      const usedBefore = [shop, store].map(async (o) => (await api("GET", `/organizations/${o.id}`)).body);

      const res = await api("DELETE", `/people/${person}`);
      expect(res.status, res.text).toBe(202);
      expect(res.body.erasure).toEqual(
        expect.objectContaining({
          status: expect.stringMatching(/^(pending|running|completed)$/),
          emailSha256: person,
        }),
      );
      const erasure = await completed(api, res.body.erasure.id);
      expect(erasure).toEqual({
        id: res.body.erasure.id,
        status: "completed",
        organizations: 2,
        createdAt: expect.any(String),
        completedAt: expect.any(String),
      });
      await flushCounter(store.id);

      // The hash stays where it must: the operator's imported people, and the suppression that keeps them out.
      expect(Object.keys(await d1TablesMentioning(person)).sort()).toEqual(["people", "suppressions"]);
      expect(await d1TablesMentioning(...stored)).toEqual({});
      const kv = JSON.stringify(await everyKvEntry());
      for (const text of [person, ...stored]) expect(kv).not.toContain(text);
      for (const [organization, visitorId] of [
        [shop, visitorIds[0]!],
        [store, visitorIds[1]!],
      ] as const) {
        expect(await counterTablesMentioning(organization.id, visitorId.slice("vis_".length))).toEqual({});
        expect(await counterTablesMentioning(organization.id, person)).toEqual({});
      }

      for (const [i, organization] of [shop, store].entries()) {
        const before = await usedBefore[i]!;
        const after = (await api("GET", `/organizations/${organization.id}`)).body;
        expect(after.organization.creditsUsed).toBe(before.organization.creditsUsed);
        expect(after.organization.creditsRemaining).toBe(before.organization.creditsRemaining);
      }
      expect(await debitsOf(api, shop.id)).toEqual([-1, -1]);
      expect(await debitsOf(api, store.id)).toEqual([-1]);
      expect((await api("GET", `/people/${person}/export`)).body.export).toEqual(
        expect.objectContaining({ suppression: expect.objectContaining({ emailSha256: person }), organizations: [] }),
      );
      const log = await api("GET", "/audit-log?action=person.erased");
      expect(log.body.entries).toEqual([
        expect.objectContaining({ organizationId: null, details: { erasureId: erasure.id, organizations: 2 } }),
      ]);

      await deliver(visitAndIdentify(shop, partner, person));
      await flushCounter(shop.id);
      expect((await api("GET", `/organizations/${shop.id}/receipts`)).body.total).toBe(2);
      expect(await debitsOf(api, shop.id)).toEqual([-1, -1]);
      const visitors = await api("GET", `/organizations/${shop.id}/visitors`);
      expect(visitors.body.visitors.map((v: { person: { name: string } }) => v.person.name)).toEqual(["Kept Person"]);
    },
  );

  it(
    "N3: an erasure that reports completed stays completed while hits arrive: a hit in flight writes nothing of the person back",
    { timeout: 30_000 },
    async () => {
      const { api, partner } = await newPartner();
      const shop = await b2cOrganization(api, "Shop");
      const person = await importedPerson("Erin Erased");
      await deliver(visitAndIdentify(shop, partner, person));
      await flushCounter(shop.id);
      const visitorId = (await api("GET", `/people/${person}/export`)).body.export.organizations[0].visitorId as string;
      const used = (await api("GET", `/organizations/${shop.id}`)).body.organization.creditsUsed;

      // Another visit's hits are in flight: the consumer has read everything (no suppression yet) and
      // its write is held, as latency can hold it, while the erasure runs to its end.
      const hold = holdingBatch((await tenantOf(partner.id)).DB, "INSERT INTO write_guard");
      const inFlight = deliver(visitAndIdentify(shop, partner, person, { path: "/again" }), {
        env: { ...env, [`TENANT_${partner.shard}`]: hold.db },
      });
      await hold.held;
      const res = await api("DELETE", `/people/${person}`);
      expect(res.status, res.text).toBe(202);
      const erasure = await completed(api, res.body.erasure.id);
      hold.release();
      await inFlight;

      expect((await api("GET", `/erasures/${erasure.id}`)).body.erasure.status).toBe("completed");
      expect((await api("GET", `/organizations/${shop.id}/visitors`)).body.total).toBe(0);
      expect((await api("GET", `/people/${person}/export`)).body.export.organizations).toEqual([]);
      await flushCounter(shop.id);
      expect(await d1TablesMentioning(visitorId.slice("vis_".length))).toEqual({});
      expect(await counterTablesMentioning(shop.id, visitorId.slice("vis_".length))).toEqual({});
      expect((await api("GET", `/organizations/${shop.id}`)).body.organization.creditsUsed).toBe(used);
    },
  );

  describe("N3: a person first identified by a hit in flight during their erasure leaves nothing of them", () => {
    for (const [held, charged] of [
      ["INSERT INTO address_days", false],
      ["INSERT INTO device_days", true],
    ] as const) {
      it(
        `held at ${held.slice(12)}: ${charged ? "charged before, the receipt names nobody" : "not charged"}`,
        { timeout: 30_000 },
        async () => {
          const { api, partner } = await newPartner();
          const receiver = receiverBucket();
          expect((await api("PUT", "/webhooks/identification", { url: receiver.url("ok") })).status).toBe(200);
          const shop = await b2cOrganization(api, "Shop");
          const person = await importedPerson("Fresh Erased");
          // Held before the counter is asked (the address's people are written first), or after it charged.
          const tenant = await tenantOf(partner.id);
          const hold = holdingBatch(tenant.DB, held);
          const inFlight = deliver(visitAndIdentify(shop, partner, person), {
            env: { ...env, [`TENANT_${partner.shard}`]: hold.db },
          });
          await hold.held;
          const res = await api("DELETE", `/people/${person}`);
          await completed(api, res.body.erasure.id);
          hold.release();
          await inFlight;

          const { salt } = (await tenant.DB.prepare("SELECT salt FROM organization_keys WHERE organization_id = ?")
            .bind(shop.id)
            .first<{ salt: string }>())!;
          const stored = await saltedKey(salt, personIdentity(person).key);
          expect((await api("GET", `/organizations/${shop.id}`)).body.organization.creditsUsed).toBe(charged ? 1 : 0);
          const receipts = await api("GET", `/organizations/${shop.id}/receipts`);
          expect(receipts.body.receipts).toEqual(charged ? [expect.objectContaining({ visitorId: null })] : []);
          expect((await api("GET", `/organizations/${shop.id}/visitors`)).body.total).toBe(0);
          await flushCounter(shop.id);
          expect(await debitsOf(api, shop.id)).toEqual(charged ? [-1] : []);
          expect(await d1TablesMentioning(stored)).toEqual({});
          expect(await counterTablesMentioning(shop.id, stored)).toEqual({});
          expect(JSON.stringify(await receiver.received())).not.toContain(stored);
        },
      );
    }
  });

  it(
    "erases a visitor with more page views than one statement takes, ERASE_ROWS at a time",
    { timeout: 30_000 },
    async () => {
      const { api, partner } = await newPartner();
      const shop = await b2cOrganization(api);
      const person = await importedPerson();
      await deliver(visitAndIdentify(shop, partner, person));
      const tenant = await tenantOf(partner.id);
      // Years of page views, as the consumer stores them.
      await tenant.DB.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       INSERT INTO page_views (visitor, session, key, at, path)
       SELECT s.visitor, s.start, 'old' || i, i, '/old' FROM n CROSS JOIN sessions s
       WHERE s.visitor = (SELECT v.seq FROM visitors v JOIN organization_keys k ON k.key = v.org WHERE k.organization_id = ?1)`,
      )
        .bind(shop.id, Math.floor(ERASE_ROWS * 2.5))
        .run();
      await addSuppression(tenant.DB, partner.id, person);
      const erasure = await createErasure(tenant.DB, partner.id, person, { type: "api_key", id: "key_test" });
      const recording = recordingChanges(tenant.DB);
      await deliverTo(
        "sightline-jobs",
        [{ id: crypto.randomUUID(), body: { type: "people.erase", erasureId: erasure.id, shard: partner.shard } }],
        { ...env, [`TENANT_${partner.shard}`]: recording.db },
      );
      expect((await completed(api, erasure.id)).organizations).toBe(1);
      expect(Math.max(...recording.changes)).toBe(ERASE_ROWS);
      const left = await tenant.DB.prepare("SELECT count(*) AS n FROM page_views WHERE path = '/old'").first<{
        n: number;
      }>();
      expect(left?.n).toBe(0);
      await flushCounter(shop.id);
    },
  );

  it("completes with no organization for a person never seen, and is the partner's own", async () => {
    const { api } = await newPartner();
    await b2cOrganization(api);
    const res = await api("DELETE", `/people/${await importedPerson()}`);
    expect(res.status, res.text).toBe(202);
    expect((await completed(api, res.body.erasure.id)).organizations).toBe(0);
    const stranger = await newPartner();
    expectEnvelope(await stranger.api("GET", `/erasures/${res.body.erasure.id}`), 404, "NotFound");
    expectEnvelope(await api("GET", "/erasures/era_unknown"), 404, "NotFound");
    expectEnvelope(await api("DELETE", "/people/not-a-hash"), 400, "BadRequest");
  });

  it("goes through more organizations than one job takes, and a job delivered again changes nothing", async () => {
    const { api, partner } = await newPartner({ maxOrganizations: null });
    const organizations = [];
    for (let i = 0; i <= ERASURE_PAGE_SIZE; i++) organizations.push(await b2cOrganization(api, `Shop ${i}`));
    const byId = [...organizations].sort((a, b) => (a.id < b.id ? -1 : 1));
    const [first, last] = [byId[0]!, byId[byId.length - 1]!];
    const person = await importedPerson();
    await deliver([...visitAndIdentify(first, partner, person), ...visitAndIdentify(last, partner, person)]);
    const res = await api("DELETE", `/people/${person}`);
    expect(res.status, res.text).toBe(202);
    expect((await completed(api, res.body.erasure.id)).organizations).toBe(2);
    for (const organization of [first, last]) {
      expect((await api("GET", `/organizations/${organization.id}/visitors`)).body.total).toBe(0);
      await flushCounter(organization.id);
    }

    await deliverTo("sightline-jobs", [
      { id: "again", body: { type: "people.erase", erasureId: res.body.erasure.id } },
    ]);
    expect((await api("GET", `/erasures/${res.body.erasure.id}`)).body.erasure.organizations).toBe(2);
    const log = await api("GET", "/audit-log?action=person.erased");
    expect(log.body.entries).toHaveLength(1);
  }, 20_000);

  it("resumes an erasure whose job was lost at the next cron run", async () => {
    const { api, partner } = await newPartner();
    const shop = await b2cOrganization(api);
    const person = await importedPerson();
    await deliver(visitAndIdentify(shop, partner, person));
    // An erasure as the route records it, whose job never arrived, last moved 20 minutes ago.
    const lost = await createErasure((await tenantOf(partner.id)).DB, partner.id, person, {
      type: "api_key",
      id: "key_lost",
    });
    await (
      await tenantOf(partner.id)
    ).DB.prepare("UPDATE erasures SET status = 'running', updated_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 20 * 60_000).toISOString(), lost.id)
      .run();
    expect((await api("GET", `/erasures/${lost.id}`)).body.erasure.status).toBe("running");

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await completed(api, lost.id)).organizations).toBe(1);
    expect((await api("GET", `/organizations/${shop.id}/visitors`)).body.total).toBe(0);
    await flushCounter(shop.id);
  });
});
