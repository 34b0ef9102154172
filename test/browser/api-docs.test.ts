/**
 * The API reference as a partner meets it: the OpenAPI document the Worker serves passes an
 * OpenAPI 3.1 schema validator (run here, in Node: the validators compile schemas to code,
 * which workerd does not allow), and `/docs` renders it in a real browser from files the
 * Worker serves itself.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDocs } from "../../scripts/build-docs.ts";
import { describeBrowser, openPage, useBrowser } from "./support/chromium.ts";
import { ADMIN_KEY, startWorker, type LocalWorker } from "./support/worker.ts";

let worker: LocalWorker | undefined;
const local = () => {
  if (!worker) throw new Error("worker not started");
  return worker;
};

beforeAll(async () => {
  // /docs loads Swagger UI from the static assets: copy it there from the installed package first.
  await buildDocs();
  worker = await startWorker();
});
afterAll(async () => {
  await worker?.stop();
});

describe("the OpenAPI documents", () => {
  it("are valid OpenAPI 3.1 documents: the partner API's (public) and the operator API's", async () => {
    for (const [path, headers] of [
      ["/api/v1/openapi.json", {}],
      ["/api/v1/admin/openapi.json", { "x-admin-api-key": ADMIN_KEY }],
    ] as const) {
      const res = await fetch(`${local().url}${path}`, { headers });
      expect(res.status, path).toBe(200);
      const doc = await res.json();
      expect(doc.openapi).toBe("3.1.0");
      const result = await new Validator().validate(doc);
      expect(result.errors ?? [], path).toEqual([]);
      expect(result.valid).toBe(true);
    }
  });
});

describeBrowser("the API reference page", () => {
  const browser = useBrowser();

  it("renders every operation at /docs, loading nothing from another origin", async (ctx) => {
    const page = await openPage(browser(), ctx);
    const origin = local().url;
    const foreign: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith("data:")) foreign.push(request.url());
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));

    const response = await page.goto(`${origin}/docs`);
    expect(response?.status()).toBe(200);
    await page.getByText("Create a sub-organization").first().waitFor({ timeout: 30_000 });

    const doc = await (await fetch(`${origin}/api/v1/openapi.json`)).json();
    const operations = [...Object.values(doc.paths), ...Object.values(doc.webhooks ?? {})].flatMap((item) =>
      Object.keys(item as Record<string, unknown>),
    ).length;
    expect(await page.locator(".opblock").count()).toBe(operations);
    await expect(page.title()).resolves.toBe("Partner API reference");
    expect(await page.getByText("X-Partner-API-Key").count()).toBeGreaterThan(0);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  });
});
