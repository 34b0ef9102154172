import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BASE } from "./support/api";
import { openApiDocument, partnerWithResources } from "./support/openapi-operations";

/**
 * Bad input, property-based: random bodies, queries and ids sent to every operation of the
 * OpenAPI document (partner and operator). Nothing may answer 5xx, and every error carries the
 * envelope `{ code, message, details }`. Runs are bounded: SAMPLES per operation.
 */
const SAMPLES = 25;
const METHODS = ["get", "put", "post", "delete", "patch"];

const doc = await openApiDocument();
const operations = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
  Object.entries<any>(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operation,
      key: `${method.toUpperCase()} ${path}`,
    })),
);

/** The property names a body schema documents (one level), so random values reach the validators. */
function propertyNames(operation: any): string[] {
  let schema = operation.requestBody?.content?.["application/json"]?.schema;
  if (schema?.$ref) schema = doc.components.schemas[schema.$ref.split("/").pop()];
  return Object.keys(schema?.properties ?? {});
}

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 300 }),
  fc.constantFrom(
    "",
    " ",
    "-1",
    "0",
    "1e309",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
    "9".repeat(40),
    "2025-13-45",
    "../../etc",
    "%00",
    "<script>",
    "' OR 1=1 --",
  ),
  fc.integer().map(String),
  fc.double().map(String),
);

const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, -1, 0, 2 ** 53, Number.MAX_VALUE, "", "x".repeat(5000), [], {}),
);

function bodyFor(operation: any) {
  const names = propertyNames(operation);
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: jsonish.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: nasty }, // often not JSON at all
    {
      weight: 4,
      arbitrary: names.length
        ? fc.dictionary(fc.constantFrom(...names), jsonish, { maxKeys: names.length }).map((v) => JSON.stringify(v))
        : fc.constant("{}"),
    },
  );
}

function queryFor(operation: any) {
  const names: string[] = (operation.parameters ?? []).filter((p: any) => p.in === "query").map((p: any) => p.name);
  const keys = names.length
    ? fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 10 }))
    : fc.string({ maxLength: 10 });
  return fc.array(fc.tuple(keys, nasty), { maxLength: 5 }).map((pairs) => new URLSearchParams(pairs).toString());
}

function expectEnvelope(key: string, status: number, text: string) {
  expect(status, `${key} → ${status} ${text}`).toBeLessThan(500);
  if (status < 400) return;
  let body: unknown;
  expect(() => (body = JSON.parse(text)), `${key} → ${status} ${text}`).not.toThrow();
  expect(body, `${key} → ${status} ${text}`).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  expect(body, `${key} → ${status} ${text}`).toHaveProperty("details");
}

describe("random input to every operation of the OpenAPI document", () => {
  it.each(operations.map((o) => [o.key, o] as const))(
    "%s never answers 5xx and every error is an envelope",
    async (_, { method, path, operation, key }) => {
      // A fresh partner per operation: the samples stay far below its rate limit.
      const owner = await partnerWithResources();
      const params: string[] = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const idFor = (name: string) =>
        fc.oneof({ weight: 3, arbitrary: fc.constant(owner.ids[name] ?? "unknown") }, { weight: 1, arbitrary: nasty });
      const headers: Record<string, string> = path.startsWith("/admin/")
        ? { "x-admin-api-key": env.ADMIN_API_KEY }
        : { "x-partner-api-key": owner.key };
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...params.map(idFor)),
          queryFor(operation),
          bodyFor(operation),
          fc.constantFrom("application/json", "application/json", "text/plain", "application/x-www-form-urlencoded"),
          async (ids, query, body, contentType) => {
            let filled = path;
            params.forEach((name, i) => (filled = filled.replace(`{${name}}`, encodeURIComponent(ids[i] || "x"))));
            const res = await exports.default.fetch(`${BASE}/api/v1${filled}${query ? `?${query}` : ""}`, {
              method,
              headers: { ...headers, "content-type": contentType },
              body: method === "GET" ? undefined : body,
            });
            expectEnvelope(key, res.status, await res.text());
          },
        ),
        { numRuns: SAMPLES, endOnFailure: true },
      );
    },
    60_000,
  );
});
