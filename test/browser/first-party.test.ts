/**
 * The first-party path end to end: a client's own reverse proxy (a real HTTP server in front of
 * the real Worker) serves the script and forwards hits under `/_t` on the client's site, signing
 * the visitor's address with the pixel's proxy secret (docs/first-party.md). Every browser here is
 * 127.0.0.1, so the proxy forwards an address the test chooses, inside an imported company's range.
 */
import { createHash, createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it, type TestContext, vi } from "vitest";
import { describeBrowser, openPage, useBrowser } from "./support/chromium.ts";
import { HUMAN_INIT, HUMAN_UA, useWorker } from "./support/site.ts";
import { type LocalWorker, partnerView, type SeededOrganization, seedOrganization } from "./support/worker.ts";

const FORWARDED_COMPANY = {
  name: "Forwarded Freight",
  domain: "forwarded-freight.example",
  industry: "Transportation & Logistics",
  country: "US",
  ipRanges: ["203.0.113.0/24"],
};
const VISITOR_ADDRESS = "203.0.113.77";

interface Signing {
  secret: string;
  address: string;
  /** Added to the signature's timestamp (a stale or early proxy clock). */
  skewSeconds?: number;
}

/**
 * The client's site and its reverse proxy on one origin: pages carry `<script src="/_t/s/{key}.js">`;
 * `/_t/*` goes to the Worker with the prefix removed, `X-Client-Base: /_t`, and the signed address.
 */
async function startClientSite(worker: LocalWorker, pixelKey: string, signing: Signing) {
  const upstream = new URL(worker.url);
  const server = createServer(async (req, res) => {
    const url = req.url ?? "/";
    if (!url.startsWith("/_t/")) {
      res.setHeader("content-type", "text/html; charset=utf-8");
      return void res.writeHead(url === "/" ? 200 : 404).end(
        `<!doctype html><html><head><meta charset="utf-8"><title>Client site</title>
<script async src="/_t/s/${pixelKey}.js"></script></head><body>Welcome</body></html>`,
      );
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const t = Math.floor(Date.now() / 1000) + (signing.skewSeconds ?? 0);
    // The signature covers the address, the pixel key and the body (docs/first-party.md).
    const bodyHash = createHash("sha256").update(body).digest("hex");
    const signed = `${t}.${signing.address}.${pixelKey}.${bodyHash}`;
    const mac = createHmac("sha256", signing.secret).update(signed).digest("hex");
    const headers = {
      ...req.headers,
      host: upstream.host,
      "x-client-base": "/_t",
      "x-client-address": signing.address,
      "x-client-signature": `t=${t},v1=${mac}`,
    };
    const forward = request(
      { hostname: upstream.hostname, port: upstream.port, path: url.slice("/_t".length), method: req.method, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.writeHead(502).end());
    forward.end(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeBrowser("a client's first-party proxy", () => {
  const worker = useWorker();
  const browser = useBrowser();

  /** An organization with a proxy secret; 127.0.0.1 belongs to no company in this Worker. */
  async function organizationWithSecret() {
    await worker().admin("POST", "/api/v1/admin/companies", [FORWARDED_COMPANY]);
    const org = await seedOrganization(worker(), { importLocal: false });
    const { proxySecret } = await org.api<{ proxySecret: { secret: string } }>(
      "POST",
      `/api/v1/partner/organizations/${org.organizationId}/pixel/proxy-secret`,
    );
    return { org, secret: proxySecret.secret };
  }

  /** Opens the client's site; returns the origins the browser sent requests to. */
  async function visitThroughProxy(ctx: TestContext, org: SeededOrganization, signing: Signing) {
    const site = await startClientSite(worker(), org.pixelKey, signing);
    ctx.onTestFinished(() => site.close());
    const page = await openPage(browser(), ctx, { userAgent: HUMAN_UA });
    await page.addInitScript(HUMAN_INIT);
    const requested: string[] = [];
    page.on("request", (r) => requested.push(r.url()));
    await page.goto(site.origin + "/");
    return { site, requested };
  }

  /** Hits the consumer handled for the organization, whatever their outcome. */
  async function handledHits(org: SeededOrganization): Promise<number> {
    const row = await (
      await worker().db()
    )
      .prepare("SELECT coalesce(sum(page_views), 0) AS n FROM usage_daily WHERE organization_id = ?")
      .bind(org.organizationId)
      .first<{ n: number }>();
    return row?.n ?? 0;
  }

  it("identifies and charges the visitor by the address the proxy signed, with every request on the site's own origin", async (ctx) => {
    const { org, secret } = await organizationWithSecret();
    const { site, requested } = await visitThroughProxy(ctx, org, { secret, address: VISITOR_ADDRESS });

    const view = await vi.waitFor(
      async () => {
        const seen = await partnerView(org);
        expect(seen.total).toBe(1);
        return seen;
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(view.visitors[0]).toMatchObject({ type: "company", company: { name: "Forwarded Freight" } });
    expect(view.creditsUsed).toBe(1);
    expect(requested.some((url) => url.startsWith(`${site.origin}/_t/e`))).toBe(true);
    expect(requested.every((url) => new URL(url).origin === site.origin)).toBe(true);
  });

  for (const [name, signing] of [
    [
      "a proxy signing with the wrong secret",
      (secret: string) => ({ secret: `${secret}-guess`, address: VISITOR_ADDRESS }),
    ],
    [
      "a proxy whose signature is two minutes old",
      (secret: string) => ({ secret, address: VISITOR_ADDRESS, skewSeconds: -120 }),
    ],
  ] as const) {
    it(`ignores the forwarded address from ${name}: the visit is not that company's`, async (ctx) => {
      const { org, secret } = await organizationWithSecret();
      await visitThroughProxy(ctx, org, signing(secret));

      // The hit arrives and is handled, under the proxy's own address (127.0.0.1, no company).
      await vi.waitFor(async () => expect(await handledHits(org)).toBeGreaterThanOrEqual(1), {
        timeout: 15_000,
        interval: 250,
      });
      const view = await partnerView(org);
      expect(view.total).toBe(0);
      expect(view.creditsUsed).toBe(0);
    });
  }
});
