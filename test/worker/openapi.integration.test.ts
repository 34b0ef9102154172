import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { adminApi } from "../../worker/admin";
import { partnerApi } from "../../worker/partner-api";

type Operation = {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { headers?: Record<string, unknown> }>;
};
type Doc = {
  openapi: string;
  servers: { url: string }[];
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { name: string; in: string }> };
};

const METHODS = ["get", "put", "post", "delete", "patch"];

async function fetchDocument(): Promise<Doc> {
  const res = await exports.default.fetch("https://api.test/api/v1/openapi.json");
  expect(res.status).toBe(200);
  return res.json();
}

const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, op })),
  );

/** What the Hono apps really answer, in OpenAPI's path syntax (`:id` → `{id}`), middleware left out. */
const answered = (prefix: string, app: { routes: { method: string; path: string }[] }) =>
  app.routes
    .filter((r) => r.method !== "ALL")
    .map((r) => `${r.method} ${prefix}${r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`);

describe("the OpenAPI document at /api/v1/openapi.json", () => {
  it("describes every route the partner and operator APIs answer, and nothing else", async () => {
    const doc = await fetchDocument();
    const documented = operations(doc)
      .map((o) => o.key)
      .sort();
    const routes = [...new Set([...answered("/partner", partnerApi), ...answered("/admin", adminApi)])].sort();
    expect(documented).toEqual(routes);
  });

  it("names this server, the two API-key schemes and one tag per resource", async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "https://api.test/api/v1", description: "This server" }]);
    expect(doc.components.securitySchemes.PartnerApiKey).toMatchObject({
      type: "apiKey",
      in: "header",
      name: "X-Partner-API-Key",
    });
    expect(doc.components.securitySchemes.AdminApiKey).toMatchObject({
      type: "apiKey",
      in: "header",
      name: "X-Admin-API-Key",
    });
    expect(doc.tags.map((t) => t.name)).toEqual(
      expect.arrayContaining(["Organizations", "API keys", "Pixel", "Visitors", "Operator"]),
    );
  });

  it("requires X-Partner-API-Key on partner routes and X-Admin-API-Key on operator routes", async () => {
    for (const { key, path, op } of operations(await fetchDocument())) {
      const scheme = path.startsWith("/partner/") ? "PartnerApiKey" : "AdminApiKey";
      expect(op.security, key).toEqual([{ [scheme]: [] }]);
      expect(op.summary, key).toBeTruthy();
      expect(op.tags?.length, key).toBe(1);
    }
  });

  it("documents the 429 and the rate-limit headers of every partner route", async () => {
    for (const { key, path, op } of operations(await fetchDocument())) {
      if (!path.startsWith("/partner/")) continue;
      expect(op.responses["429"]?.headers, key).toHaveProperty("Retry-After");
      const success = Object.keys(op.responses).find((s) => s.startsWith("2"));
      expect(success, key).toBeDefined();
      expect(Object.keys(op.responses[success!].headers ?? {}), key).toEqual(
        expect.arrayContaining(["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]),
      );
    }
  });

  // The document is part of the contract: any change shows up here as a diff to review.
  // After an intended change: `npx vitest run --project worker test/worker/openapi.integration.test.ts -u`.
  it("matches the committed snapshot", async () => {
    const doc = await fetchDocument();
    await expect(`${JSON.stringify(doc, null, 2)}\n`).toMatchFileSnapshot("./__snapshots__/openapi.json");
  });
});

// Static assets answer before the Worker runs; `exports.default` is the Worker alone, the
// ASSETS binding is the same files as served.
describe("the API reference page at /docs", () => {
  it("serves the page and the UI's script and stylesheet as the Worker's own static assets", async () => {
    const page = await env.ASSETS.fetch("https://api.test/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBe(3);
    for (const asset of assets) {
      expect(asset, "no CDN: every asset is a path on this Worker").toMatch(/^\/docs\//);
      const res = await env.ASSETS.fetch(new URL(asset, "https://api.test"));
      expect(res.status, asset).toBe(200);
      expect((await res.text()).length, asset).toBeGreaterThan(100);
    }
  });
});
