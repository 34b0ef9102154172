import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { HitBundle } from "../../worker/collect/message";
import { MAX_DELIVERIES } from "../../worker/collect/bundles";
import { accepted, deliverTo, freshIp, hitQueueOf, pageView, sendHit } from "./support/hits";
import { importCompany, newOrganization, tenantOfOrganization } from "./support/partners";
import { receipts, waitForReceipts } from "./support/receipts";
import { failingFirst } from "./support/env-faults";

/**
 * The edge hands each hit to a collector (a Durable Object chosen by pixel key), which puts the hits it
 * gathers in a quarter of a second into one queue message: a queue bills every message, so a bundle of
 * hits costs what one hit did (docs/collect.md, step 7). The consumer takes a bundle's hits one by one.
 */
describe("hit bundles", () => {
  it("puts a burst of one pixel key's hits in a few queue messages, and counts each hit once", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    // Refused hits are counted under their message's id: the ids show how the hits travelled.
    const refused = await api("PUT", `/organizations/${organization.id}/pixel`, {
      allowedReferrers: ["elsewhere.example"],
    });
    expect(refused.status, refused.text).toBe(200);
    const answers = await Promise.all(Array.from({ length: 30 }, () => sendHit(pageView(pixelKey), { ip: freshIp() })));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(403));

    const db = (await tenantOfOrganization(organization.id)).DB;
    await vi.waitFor(
      async () => {
        const row = await db
          .prepare("SELECT coalesce(sum(referrer_not_allowed), 0) AS n FROM usage_daily WHERE organization_id = ?")
          .bind(organization.id)
          .first<{ n: number }>();
        expect(row?.n).toBe(30);
      },
      { timeout: 15_000, interval: 100 },
    );
    const { results } = await db.prepare("SELECT id FROM counted_messages").all<{ id: string }>();
    expect(results).toHaveLength(30);
    const bundles = new Set(results.map((r) => r.id.split("/")[0]));
    expect(bundles.size).toBeLessThanOrEqual(10);
  }, 30_000);

  it("acknowledges a bundle and sends back only the hits of an organization that failed, which are charged later", async () => {
    const failing = await newOrganization();
    const fine = await newOrganization();
    const [failingIp, fineIp] = [freshIp(), freshIp()];
    await importCompany([`${failingIp}/32`, `${fineIp}/32`]);
    const bundle: HitBundle = {
      kind: "bundle",
      hits: [
        accepted(failing.organization.id, failing.partner, failing.pixelKey, failingIp, Date.now()),
        accepted(fine.organization.id, fine.partner, fine.pixelKey, fineIp, Date.now()),
      ],
    };
    // The failing organization's counter does not answer its first call.
    const faulty = { ...env, CREDITS: failingFirst(env.CREDITS, "charge") };
    const result = await deliverTo(hitQueueOf(failing.pixelKey), [{ id: "bundle-1", body: bundle }], faulty);
    expect(result.explicitAcks).toEqual(["bundle-1"]);
    expect(result.retryMessages).toEqual([]);
    expect(await receipts(fine.organization.id)).toEqual([expect.objectContaining({ reason: "charged" })]);
    expect(await receipts(failing.organization.id)).toEqual([]);
    // Its hit came back in a bundle of its own, 10 s later, and is charged once.
    const [charged] = await waitForReceipts(failing.organization.id, 1, 30_000);
    expect(charged).toMatchObject({ reason: "charged" });
    expect(await receipts(fine.organization.id)).toHaveLength(1);
  }, 40_000);

  it("retries a bundle whose every hit must wait, and dead-letters a hit that has had all its deliveries", async () => {
    const { organization, partner, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const hit = accepted(organization.id, partner, pixelKey, ip, Date.now());
    const queue = hitQueueOf(pixelKey);
    const faulty = () => ({ ...env, CREDITS: failingFirst(env.CREDITS, "charge") });

    const whole = await deliverTo(queue, [{ id: "bundle-2", body: { kind: "bundle", hits: [hit] } }], faulty());
    expect(whole.explicitAcks).toEqual([]);
    expect(whole.retryMessages.map((m) => m.msgId)).toEqual(["bundle-2"]);

    const dead = { ...hit, hit: pageView(pixelKey) };
    const last: HitBundle = { kind: "bundle", hits: [hit, dead], attempts: [0, MAX_DELIVERIES - 1] };
    const lastResult = await deliverTo(queue, [{ id: "bundle-3", body: last }], faulty());
    expect(lastResult.explicitAcks).toEqual(["bundle-3"]);
    // Counted once in the dead letters (with its organization), the other hit retried in a bundle of its own.
    await vi.waitFor(
      async () => {
        const row = await env.CATALOG.prepare(
          "SELECT sum(count) AS n FROM dead_letters WHERE queue = 'sightline-hits-dlq' AND kind = 'hit:v' AND organization_id = ?",
        )
          .bind(organization.id)
          .first<{ n: number | null }>();
        expect(row?.n).toBe(1);
      },
      { timeout: 15_000, interval: 200 },
    );
    const [charged] = await waitForReceipts(organization.id, 1, 30_000);
    expect(charged).toMatchObject({ reason: "charged" });
  }, 40_000);
});
