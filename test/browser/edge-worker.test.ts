/**
 * The edge Worker (wrangler.edge.toml: the pixel path alone) beside the main Worker, as production
 * runs them (docs/operations.md#the-edge-worker): with nothing but its own configuration's bindings,
 * it serves the script, takes hits the main Worker's consumer identifies and charges, finds a key
 * missing from KV in the shards' D1, and verifies a first-party proxy's signed address.
 */
import { createHash, createHmac } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { V4WorkerOptions } from "miniflare";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { HUMAN_UA } from "./support/site.ts";
import {
  bundleForWorkerd,
  E2E_WEBHOOK_SECRET_KEY,
  type LocalWorker,
  partnerView,
  seedOrganization,
  startWorker,
} from "./support/worker.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const EDGE = "sightline-edge";

/** The edge Worker as wrangler.edge.toml describes it, its secret set as `wrangler secret put` would. */
async function edgeWorker(): Promise<V4WorkerOptions> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.edge.toml"));
  const script = await bundleForWorkerd(join(ROOT, "worker/edge/worker.ts"));
  return {
    ...workerOptions,
    name: EDGE,
    modules: [{ type: "ESModule", path: join(ROOT, "worker/edge/worker.js"), contents: script }],
    modulesRules: undefined,
    bindings: { ...(workerOptions.bindings as Record<string, unknown>), WEBHOOK_SECRET_KEY: E2E_WEBHOOK_SECRET_KEY },
  } as V4WorkerOptions;
}

let worker: LocalWorker;
beforeAll(async () => {
  worker = await startWorker({ extraWorkers: [await edgeWorker()] });
}, 120_000);
afterAll(async () => {
  await worker?.stop();
});

/** A request to the edge Worker itself, from a browser on this machine (or a proxy at `from`). */
async function toEdge(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  const edge = await worker.mf.getWorker(EDGE);
  const res = await edge.fetch(new URL(path, "https://pixel.test"), {
    method: init.method ?? "GET",
    body: init.body,
    headers: { "cf-connecting-ip": "127.0.0.1", "user-agent": HUMAN_UA, ...init.headers },
  });
  return { status: res.status, text: await res.text() };
}

const pageView = (pixelKey: string, path = "/pricing") =>
  JSON.stringify({ k: pixelKey, t: "v", i: crypto.randomUUID(), u: `https://client.example${path}`, w: 1280 });

const hit = (body: string, headers: Record<string, string> = {}) =>
  toEdge("/e", {
    method: "POST",
    body,
    // Miniflare refuses an Origin that is not this machine (no rebinding of the local server).
    headers: { "content-type": "text/plain", origin: "http://localhost", ...headers },
  });

describe("the edge Worker, on its own bindings", () => {
  it("serves the script and takes a page view that the main Worker identifies and charges", async () => {
    const org = await seedOrganization(worker);
    const script = await toEdge(`/s/${org.pixelKey}.js`);
    expect(script.status).toBe(200);
    expect(script.text).toContain(`"k":"${org.pixelKey}"`);
    expect(await hit(pageView(org.pixelKey))).toEqual({ status: 204, text: "" });
    await vi.waitFor(
      async () => {
        const view = await partnerView(org);
        expect(view.visitors.map((v) => v.company?.name)).toEqual(["Loopback Labs"]);
        expect(view.creditsUsed).toBe(1);
      },
      { timeout: 20_000, interval: 250 },
    );
  });

  it("looks a key missing from KV up in the shards, writes it back, and answers an unknown key with 404", async () => {
    const org = await seedOrganization(worker);
    const pixels = await worker.mf.getKVNamespace("PIXELS");
    await pixels.delete(org.pixelKey);
    // Nor in the location's cache (worker/pixel-config/record.ts), where the main Worker's write put it.
    await (await worker.mf.getCaches()).default.delete(`https://pixel-records.invalid/${org.pixelKey}`);
    expect((await hit(pageView(org.pixelKey))).status).toBe(204);
    await vi.waitFor(async () => expect(await pixels.get(org.pixelKey, "json")).toMatchObject({ enabled: true }));
    const unknown = await hit(pageView("0123456789abcdef01234567"));
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toMatchObject({ code: "NotFound" });
  });

  it("believes a first-party proxy's address signed with the pixel's secret, which it opens with its own key", async () => {
    const forwarded = { name: "Edge Forwarded Inc", domain: "edge-forwarded.example", ipRanges: ["198.51.100.0/24"] };
    await worker.admin("POST", "/api/v1/admin/companies", [{ ...forwarded, industry: "Software", country: "US" }]);
    const org = await seedOrganization(worker);
    const { proxySecret } = await org.api<{ proxySecret: { secret: string } }>(
      "POST",
      `/api/v1/partner/organizations/${org.organizationId}/pixel/proxy-secret`,
    );
    const body = pageView(org.pixelKey, "/through-the-proxy");
    const t = Math.floor(Date.now() / 1000);
    const address = "198.51.100.23";
    const bodyHash = createHash("sha256").update(body).digest("hex");
    const mac = createHmac("sha256", proxySecret.secret)
      .update(`${t}.${address}.${org.pixelKey}.${bodyHash}`)
      .digest("hex");
    const answer = await hit(body, { "x-client-address": address, "x-client-signature": `t=${t},v1=${mac}` });
    expect(answer.status).toBe(204);
    await vi.waitFor(
      async () => expect((await partnerView(org)).visitors.map((v) => v.company?.name)).toEqual([forwarded.name]),
      { timeout: 20_000, interval: 250 },
    );
  });
});
