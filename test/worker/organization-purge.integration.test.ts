import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { receiverBucket } from "../fixtures/receiver";
import { counterOf, counterStorage, flushCounter } from "./support/counter";
import { b2cOrganization, importedPerson, visitAndIdentify } from "./support/people";
import { everyD1Row, everyKvEntry } from "./support/stores";
import { claimDueDigests } from "../../worker/digests/job";
import { PURGE_ROWS } from "../../worker/organizations/purge";
import { expectEnvelope } from "./support/api";
import { importCompany, newOrganization, newPartner, organizationKey, tenantOfOrganization } from "./support/partners";
import { deliver, freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";

/** Purging a canceled organization: nothing of it is left in D1, KV or its credit counter. */

/** Rows naming the organization: by its id anywhere, or by its key (or its visitors' seqs) where a column holds them. */
async function d1RowsOf(organizationId: string, key: number, seqs: number[]) {
  const byColumn: Record<string, [string, number[]]> = {
    organization_keys: ["key", [key]],
    visitors: ["org", [key]],
    sessions: ["org", [key]],
    charges: ["org", [key]],
    device_days: ["org", [key]],
    ledger_entries: ["org", [key]],
    page_views: ["visitor", seqs],
    visitor_search_docsize: ["id", seqs],
  };
  const found: Record<string, unknown[]> = {};
  for (const [table, rows] of await everyD1Row()) {
    const hits = rows.filter((row) => {
      if (JSON.stringify(row).includes(organizationId)) return true;
      const column = byColumn[table];
      return column !== undefined && column[1].includes((row as Record<string, number>)[column[0]]!);
    });
    if (hits.length > 0) found[table] = hits;
  }
  return found;
}

describe("purging an organization", () => {
  it(
    "deletes every record of a canceled organization, its pixel record and its counter, and then answers 404",
    { timeout: 30_000 },
    async () => {
      const { api, partner } = await newPartner();
      const receiver = receiverBucket();
      expect((await api("PUT", "/webhooks/identification", { url: receiver.url("ok") })).status).toBe(200);
      const [shop, kept] = [await b2cOrganization(api, "Purged"), await b2cOrganization(api, "Kept")];
      const [person, other] = [await importedPerson(), await importedPerson()];
      await deliver([...visitAndIdentify(shop, partner, person), ...visitAndIdentify(shop, partner, other)]);
      await deliver(visitAndIdentify(kept, partner, person));
      await flushCounter(kept.id);
      await flushCounter(shop.id);
      expect(
        (await api("POST", `/organizations/${shop.id}/dashboard-links`, { email: "client@example.com" })).status,
      ).toBe(201);
      const segment = await api("POST", `/organizations/${shop.id}/segments`, { name: "On pricing", filter: {} });
      expect(segment.status, segment.text).toBe(201);
      const digests = await api("PUT", `/organizations/${shop.id}/digests`, {
        recipients: [{ email: "boss@shop.example", frequency: "daily", segmentId: segment.body.segment.id }],
      });
      expect(digests.status, digests.text).toBe(200);
      await claimDueDigests(await tenantOfOrganization(shop.id), Date.parse(digests.body.digests.nextDaily) / 1000);
      const key = await organizationKey(shop.id);
      const { results } = await (
        await tenantOfOrganization(shop.id)
      ).DB.prepare("SELECT seq FROM visitors WHERE org = ?")
        .bind(key)
        .all<{ seq: number }>();
      const seqs = results.map((r) => r.seq);
      expect(seqs).toHaveLength(2);
      expect(Object.keys(await d1RowsOf(shop.id, key, seqs))).toEqual(
        expect.arrayContaining([
          "organizations",
          "pixels",
          "organization_keys",
          "visitors",
          "sessions",
          "page_views",
          "charges",
          "ledger_entries",
          "usage_daily",
          "webhook_deliveries",
          "sign_in_links",
          "audit_log",
          "segments",
          "digest_settings",
          "digest_recipients",
          "digest_claims",
        ]),
      );
      expect(JSON.stringify(await everyKvEntry())).toContain(shop.pixelKey);
      expect([...(await counterStorage(shop.id)).values()].flat().length).toBeGreaterThan(0);

      expectEnvelope(await api("DELETE", `/organizations/${shop.id}?purge=true`), 409, "Conflict");
      expect((await api("GET", `/organizations/${shop.id}`)).status).toBe(200);
      expect((await api("DELETE", `/organizations/${shop.id}`)).status).toBe(204);
      const res = await api("DELETE", `/organizations/${shop.id}?purge=true`);
      expect(res.status, res.text).toBe(204);

      // Gone for the partner at once; its rows go in the background. Then only the partner's audit entry
      // of the purge, and the purge's own record, name it.
      expectEnvelope(await api("GET", `/organizations/${shop.id}`), 404, "NotFound");
      await vi.waitFor(
        async () =>
          expect(await d1RowsOf(shop.id, key, seqs)).toEqual({
            audit_log: [expect.objectContaining({ action: "organization.purged", organization_id: null })],
            purges: [expect.objectContaining({ organization_id: shop.id, status: "completed" })],
          }),
        { timeout: 15_000, interval: 200 },
      );
      const kv = JSON.stringify(await everyKvEntry());
      expect(kv).not.toContain(shop.pixelKey);
      expect(kv).not.toContain(shop.id);
      const storage = await counterStorage(shop.id);
      expect([...storage.values()].flat()).toEqual([]);
      expect(await runInDurableObject(await counterOf(shop.id), (_, state) => state.storage.getAlarm())).toBeNull();

      for (const path of ["", "/visitors", "/receipts", "/ledger", "/pixel"])
        expectEnvelope(await api("GET", `/organizations/${shop.id}${path}`), 404, "NotFound");
      expectEnvelope(await api("DELETE", `/organizations/${shop.id}?purge=true`), 404, "NotFound");
      expect((await api("GET", "/organizations?status=canceled")).body.organizations).toEqual([]);
      const log = await api("GET", "/audit-log?action=organization.purged");
      expect(log.body.entries).toEqual([expect.objectContaining({ details: { organizationId: shop.id } })]);

      // The other organization keeps everything.
      expect((await api("GET", `/organizations/${kept.id}/visitors`)).body.total).toBe(1);
      expect((await api("GET", `/organizations/${kept.id}`)).body.organization.creditsUsed).toBe(1);
    },
  );

  it(
    "purges a very large organization in jobs of PURGE_ROWS rows per table, never in one batch",
    { timeout: 60_000 },
    async () => {
      const { api, organization } = await newOrganization({ productType: "B2C" });
      const key = await organizationKey(organization.id);
      const { DB } = await tenantOfOrganization(organization.id);
      // More receipts, visitors and page views than two jobs take, written as the consumer writes them.
      const many = Math.floor(PURGE_ROWS * 2.5);
      await DB.batch([
        DB.prepare(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
         INSERT INTO charges (org, at, event_id, visitor, type, period_start) SELECT ?1, i, 'e' || i, 'v' || i, 'person', 0 FROM n`,
        ).bind(key, many),
        DB.prepare(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
         INSERT INTO visitors (org, id, type, first_seen, last_seen) SELECT ?1, 'v' || i, 'person', 0, 0 FROM n`,
        ).bind(key, many),
        DB.prepare(
          `INSERT INTO page_views (visitor, session, key, at, path) SELECT seq, 0, 'k', 0, '/' FROM visitors WHERE org = ?`,
        ).bind(key),
      ]);
      expect((await api("DELETE", `/organizations/${organization.id}`)).status).toBe(204);
      expect((await api("DELETE", `/organizations/${organization.id}?purge=true`)).status).toBe(204);
      const purge = await vi.waitFor(
        async () => {
          const row = await DB.prepare("SELECT status, rounds FROM purges WHERE organization_id = ?")
            .bind(organization.id)
            .first<{ status: string; rounds: number }>();
          expect(row?.status).toBe("completed");
          return row!;
        },
        { timeout: 50_000, interval: 250 },
      );
      // PURGE_ROWS of each kind per job (a visitor goes in the job that deletes its last page view).
      expect(purge.rounds).toBe(Math.ceil(many / PURGE_ROWS));
      for (const [table, column] of [
        ["charges", "org"],
        ["visitors", "org"],
      ]) {
        const left = await DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`)
          .bind(key)
          .first<{ n: number }>();
        expect(left?.n, table).toBe(0);
      }
      expect((await api("GET", "/audit-log?action=organization.purged")).body.entries).toHaveLength(1);
    },
  );

  it("gives a pooled partner's pool the purged organization's allocation back", async () => {
    const { api, organization, pixelKey } = await newOrganization({ initialCredits: 600 }, { creditPoolTotal: 1000 });
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    await sendHit(pageView(pixelKey), { ip });
    expect((await waitForReceipts(organization.id, 1))[0]!.reason).toBe("charged");
    expect((await api("DELETE", `/organizations/${organization.id}`)).status).toBe(204);
    expect((await api("DELETE", `/organizations/${organization.id}?purge=true`)).status).toBe(204);

    const created = await api("POST", "/organizations", { name: "Next", tier: "paid", initialCredits: 1000 });
    expect(created.status, created.text).toBe(201);
    await flushCounter(created.body.organization.id);
  });
});
