import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  forgetLocationPixels,
  forgetRememberedPixels,
  keepInLocation,
  type PixelRecord,
} from "../../worker/pixel-config/record";
import { expectEnvelope } from "./support/api";
import { freshIp, pageView, sendHit } from "./support/hits";
import { importCompany, newOrganization } from "./support/partners";
import { waitForReceipts } from "./support/receipts";
import { forwardingHeaders } from "./support/first-party-signature";

/**
 * A hit's pixel record comes from the isolate's memory, then the location's cache, then KV
 * (docs/collect.md#what-the-edge-does-cheapest-first): a location reads a key from KV at most once in its
 * cache's time, and a settings change made through this location reaches its hits at once.
 */
describe("pixel records at the edge", () => {
  it("serves a location's hits from its cache without reading KV again", async () => {
    const { organization, pixelKey } = await newOrganization();
    expect((await sendHit(pageView(pixelKey), { ip: freshIp() })).status).toBe(204);
    // Another isolate of the location, with KV unable to answer: the location's cache does.
    forgetRememberedPixels();
    await env.PIXELS.delete(pixelKey);
    expect((await sendHit(pageView(pixelKey), { ip: freshIp() })).status).toBe(204);
    await waitForReceipts(organization.id, 2);
    // Nothing had to read D1 and write the record back.
    expect(await env.PIXELS.get(pixelKey)).toBeNull();
  });

  it("takes a settings change made through this location at once, whatever the location's cache held", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    expect((await sendHit(pageView(pixelKey), { ip: freshIp() })).status).toBe(204);
    const changed = await api("PUT", `/organizations/${organization.id}/pixel`, {
      allowedReferrers: ["elsewhere.example"],
    });
    expect(changed.status, changed.text).toBe(200);
    forgetRememberedPixels();
    expectEnvelope(await sendHit(pageView(pixelKey), { ip: freshIp() }), 403, "Forbidden");
  });

  it("reads a record afresh when a first-party proxy's signature fails with the one the location holds", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const visitor = freshIp();
    await importCompany(`${visitor}/32`);
    expect((await sendHit(pageView(pixelKey), { ip: freshIp() })).status).toBe(204);
    const before = (await env.PIXELS.get<PixelRecord>(pixelKey, "json"))!;
    // The secret is set now; this location still holds the record read before it.
    const created = await api("POST", `/organizations/${organization.id}/pixel/proxy-secret`);
    expect(created.status, created.text).toBe(201);
    forgetRememberedPixels();
    await keepInLocation(pixelKey, before);

    const hit = pageView(pixelKey);
    const headers = await forwardingHeaders(created.body.proxySecret.secret, visitor, {
      pixelKey,
      body: JSON.stringify(hit),
    });
    expect((await sendHit(hit, { ip: freshIp(), headers })).status).toBe(204);
    // Identified at the visitor's address, which only the new secret vouches for.
    const outcomes = await waitForReceipts(organization.id, 2);
    expect(outcomes.map((o) => o.reason).sort()).toEqual(["charged", "not_identified"]);
    await forgetLocationPixels(pixelKey);
  });
});
