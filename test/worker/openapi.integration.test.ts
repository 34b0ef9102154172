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
  info: { title: string };
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

async function fetchOperatorDocument(): Promise<Doc> {
  const res = await exports.default.fetch("https://api.test/api/v1/admin/openapi.json", {
    headers: { "x-admin-api-key": env.ADMIN_API_KEY },
  });
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

const documentedKeys = (doc: Doc) =>
  operations(doc)
    .map((o) => o.key)
    .sort();

describe("the OpenAPI documents", () => {
  it("describe every route the partner API answers, and the operator API's, each in its own document", async () => {
    expect(documentedKeys(await fetchDocument())).toEqual([...new Set(answered("/partner", partnerApi))].sort());
    const operatorRoutes = answered("/admin", adminApi).filter((key) => key !== "GET /admin/openapi.json");
    expect(documentedKeys(await fetchOperatorDocument())).toEqual([...new Set(operatorRoutes)].sort());
  });

  it("I1: the public document lists the partner API only; the operator API's needs the operator key", async () => {
    const publicDoc = await fetchDocument();
    expect(Object.keys(publicDoc.paths).filter((path) => !path.startsWith("/partner/"))).toEqual([]);
    expect(Object.keys(publicDoc.components.securitySchemes)).toEqual(["PartnerApiKey"]);
    expect(JSON.stringify(publicDoc)).not.toContain("X-Admin-API-Key");

    const attempts: Record<string, string>[] = [
      {},
      { "x-admin-api-key": "wrong" },
      { "x-partner-api-key": "pk_live_x" },
    ];
    for (const headers of attempts) {
      const res = await exports.default.fetch("https://api.test/api/v1/admin/openapi.json", { headers });
      expect(res.status).toBe(401);
    }
    const operatorDoc = await fetchOperatorDocument();
    expect(operatorDoc.info).toMatchObject({ title: "Operator API" });
    expect(Object.keys(operatorDoc.paths).length).toBeGreaterThan(3);
    expect(Object.keys(operatorDoc.paths).filter((path) => !path.startsWith("/admin/"))).toEqual([]);
    expect(Object.keys(operatorDoc.components.securitySchemes)).toEqual(["AdminApiKey"]);
  });

  it("name this server, their API-key scheme and one tag per resource", async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "https://api.test/api/v1", description: "This server" }]);
    expect(doc.components.securitySchemes.PartnerApiKey).toMatchObject({
      type: "apiKey",
      in: "header",
      name: "X-Partner-API-Key",
    });
    expect(doc.tags.map((t) => t.name)).toEqual(
      expect.arrayContaining(["Organizations", "API keys", "Pixel", "Visitors", "Webhooks"]),
    );
    const operator = await fetchOperatorDocument();
    expect(operator.servers).toEqual(doc.servers);
    expect(operator.components.securitySchemes.AdminApiKey).toMatchObject({
      type: "apiKey",
      in: "header",
      name: "X-Admin-API-Key",
    });
    expect(operator.tags.map((t) => t.name)).toEqual(["Operator"]);
  });

  it("require X-Partner-API-Key on partner routes and X-Admin-API-Key on operator routes", async () => {
    for (const [doc, scheme] of [
      [await fetchDocument(), "PartnerApiKey"],
      [await fetchOperatorDocument(), "AdminApiKey"],
    ] as const) {
      for (const { key, op } of operations(doc)) {
        expect(op.security, key).toEqual([{ [scheme]: [] }]);
        expect(op.summary, key).toBeTruthy();
        expect(op.tags?.length, key).toBe(1);
      }
    }
  });

  it("document the 429 and the rate-limit headers of every partner route, and its 503", async () => {
    for (const { key, op } of operations(await fetchDocument())) {
      expect(op.responses["429"]?.headers, key).toHaveProperty("Retry-After");
      expect(op.responses["503"]?.headers, key).toHaveProperty("Retry-After");
      const success = Object.keys(op.responses).find((s) => s.startsWith("2"));
      expect(success, key).toBeDefined();
      expect(Object.keys(op.responses[success!]!.headers ?? {}), key).toEqual(
        expect.arrayContaining(["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]),
      );
    }
  });

  it("document a 413 on every route that takes a body", async () => {
    for (const doc of [await fetchDocument(), await fetchOperatorDocument()]) {
      for (const { key, op } of operations(doc)) {
        if ((op as { requestBody?: unknown }).requestBody) expect(op.responses, key).toHaveProperty("413");
      }
    }
  });

  // The documents are part of the contract: any change shows up here as a diff to review.
  // After an intended change: `npx vitest run --project worker test/worker/openapi.integration.test.ts -u`.
  it("match the committed snapshots", async () => {
    const doc = await fetchDocument();
    await expect(`${JSON.stringify(doc, null, 2)}\n`).toMatchFileSnapshot("./__snapshots__/openapi.json");
    const operator = await fetchOperatorDocument();
    await expect(`${JSON.stringify(operator, null, 2)}\n`).toMatchFileSnapshot("./__snapshots__/openapi-operator.json");
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
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBe(3);
    for (const asset of assets) {
      expect(asset, "no CDN: every asset is a path on this Worker").toMatch(/^\/docs\//);
      const res = await env.ASSETS.fetch(new URL(asset, "https://api.test"));
      expect(res.status, asset).toBe(200);
      expect((await res.text()).length, asset).toBeGreaterThan(100);
    }
  });
});
