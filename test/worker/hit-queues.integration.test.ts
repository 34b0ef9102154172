import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hitQueue, hitQueueNumber, hitQueueNumberOf, hitQueueNumbers } from "../../worker/collect/hit-queues";
import { importCompany, newOrganization } from "./support/partners";
import { accepted, deliverTo, freshIp, hitQueueOf, pageView, sendHit } from "./support/hits";
import { receipts, waitForReceipts } from "./support/receipts";

/** Organizations until one's pixel key goes to each hit queue (each key is random: a queue's share is 1/N). */
async function organizationPerQueue() {
  const byQueue = new Map<string, Awaited<ReturnType<typeof newOrganization>>>();
  for (let tries = 0; byQueue.size < hitQueueNumbers(env).length && tries < 40; tries++) {
    const created = await newOrganization();
    const queue = hitQueueOf(created.pixelKey);
    if (!byQueue.has(queue)) byQueue.set(queue, created);
  }
  return byQueue;
}

describe("hit queues", () => {
  it("runs with two hit queues locally, and sends each pixel key's hits to the same one", () => {
    expect(hitQueueNumbers(env)).toEqual([1, 2]);
    const keys = Array.from({ length: 1_000 }, (_, n) => n.toString(16).padStart(32, "0"));
    const first = keys.map((key) => hitQueueNumber(key, 2));
    expect(keys.map((key) => hitQueueNumber(key, 2))).toEqual(first);
    const onQueue1 = first.filter((n) => n === 1).length;
    // Spread about evenly: a queue takes ~5,000 messages a second, so no queue may get most of the keys.
    expect(onQueue1).toBeGreaterThan(400);
    expect(onQueue1).toBeLessThan(600);
    // The binding the edge sends to is the queue the number names.
    for (const key of keys.slice(0, 20))
      expect(hitQueue(env, key)).toBe(
        (env as unknown as Record<string, unknown>)[`HITS_${hitQueueNumberOf(env, key)}`],
      );
  });

  it("consumes the hits of pixel keys on different queues and charges each visitor exactly once", async () => {
    const organizations = await organizationPerQueue();
    expect([...organizations.keys()].sort()).toEqual(["sightline-hits", "sightline-hits-2"]);
    for (const { organization, pixelKey } of organizations.values()) {
      const ip = freshIp();
      await importCompany(`${ip}/32`);
      const first = pageView(pixelKey);
      for (const hit of [first, first, pageView(pixelKey, "https://client.example/pricing")]) {
        expect((await sendHit(hit, { ip })).status).toBe(204);
      }
      await waitForReceipts(organization.id, 2);
    }
    for (const { api, organization } of organizations.values()) {
      expect((await receipts(organization.id)).map((r) => r.reason).sort()).toEqual([
        "already_charged_this_period",
        "charged",
      ]);
      const { body } = await api("GET", `/organizations/${organization.id}`);
      expect(body.organization.creditsUsed).toBe(1);
      const visitors = await api("GET", `/organizations/${organization.id}/visitors`);
      expect(visitors.body.visitors[0].engagement.pageViews).toBe(2);
    }
  });

  it("takes a batch from any hit queue, and refuses one from a queue it does not consume", async () => {
    const { organization, partner, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const hit = accepted(organization.id, partner, pixelKey, ip, Date.now());
    const message = { id: `m-${hit.hit.i}`, body: hit };
    expect((await deliverTo("sightline-hits-2", [message])).explicitAcks).toEqual([message.id]);
    expect(await receipts(organization.id)).toEqual([expect.objectContaining({ reason: "charged" })]);
    await expect(deliverTo("sightline-hits-9x", [message])).rejects.toThrow(/no consumer for queue/);
  });
});
