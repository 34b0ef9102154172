import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { adminApi } from "../../worker/admin";
import { documentWebhookEvents } from "../../worker/webhooks/payloads";
import { partnerApi } from "../../worker/partner-api";

type Definition = OpenAPIHono["openAPIRegistry"]["definitions"][number];

/**
 * zod-openapi keeps the first schema registered under a component name and silently drops any
 * other. So each operation is documented alone, and every component name must come out the same
 * from every operation that uses it.
 */
function componentCollisions(definitions: readonly Definition[]): string[] {
  const seen = new Map<string, { json: string; where: string }>();
  const collisions: string[] = [];
  for (const definition of definitions) {
    if (definition.type !== "route" && definition.type !== "webhook") continue;
    const alone = new OpenAPIHono();
    if (definition.type === "route") alone.openAPIRegistry.registerPath(definition.route);
    else alone.openAPIRegistry.registerWebhook(definition.webhook);
    const config = definition.type === "route" ? definition.route : definition.webhook;
    const where = `${config.method.toUpperCase()} ${config.path}`;
    const doc = alone.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "", version: "" } });
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
      const json = JSON.stringify(schema);
      const first = seen.get(name);
      if (!first) seen.set(name, { json, where });
      else if (first.json !== json) collisions.push(`${name}: ${first.where} and ${where} define it differently`);
    }
  }
  return collisions;
}

describe("the OpenAPI components", () => {
  it("have one schema per name across the partner API, the operator API and the webhook events", () => {
    const events = new OpenAPIHono();
    documentWebhookEvents(events);
    const definitions = [
      ...partnerApi.openAPIRegistry.definitions,
      ...adminApi.openAPIRegistry.definitions,
      ...events.openAPIRegistry.definitions,
    ];
    expect(definitions.filter((d) => d.type === "route").length).toBeGreaterThan(50);
    expect(componentCollisions(definitions)).toEqual([]);
  });

  it("tells when two different schemas take the same name", () => {
    const one = z.object({ id: z.string() }).openapi("Thing");
    const other = z.object({ id: z.number() }).openapi("Thing");
    const app = new OpenAPIHono();
    for (const [path, schema] of [
      ["/one", one],
      ["/other", other],
    ] as const) {
      app.openAPIRegistry.registerPath(
        createRoute({
          method: "get",
          path,
          responses: { 200: { description: "", content: { "application/json": { schema } } } },
        }),
      );
    }
    expect(componentCollisions(app.openAPIRegistry.definitions)).toEqual([
      "Thing: GET /one and GET /other define it differently",
    ]);
  });
});
