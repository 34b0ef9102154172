import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import { DEFAULT_PARTNER_RATE_LIMIT } from "../config";
import type { AppEnv } from "../env";
import { groupDigits } from "../lib/digits";
import { ErrorSchema, declaredTags } from "./routes";

type Api = OpenAPIHono<AppEnv>;
type Document = ReturnType<Api["getOpenAPI31Document"]>;
type SchemaObject = Record<string, unknown>;

const RATE_LIMIT_HEADERS = {
  "X-RateLimit-Limit": "Requests allowed per minute for the partner account.",
  "X-RateLimit-Remaining": "Requests left in the current window.",
  "X-RateLimit-Reset": "When the current window ends (Unix seconds).",
  "Retry-After": "Seconds until the window ends.",
} as const;

const headerRef = (name: keyof typeof RATE_LIMIT_HEADERS) => ({ $ref: `#/components/headers/${name}` });

const errorContent = { "application/json": { schema: ErrorSchema } };

/**
 * Documents the partner rate limit on every operation of `app`: its headers on each response
 * (but the 401, which comes before the partner is known and is not counted, and the 503, when
 * the limiter could not count), its 429, and the 503 of a limiter that could not answer.
 */
export function documentRateLimit(app: Api): void {
  for (const [name, description] of Object.entries(RATE_LIMIT_HEADERS)) {
    app.openAPIRegistry.registerComponent("headers", name, { description, schema: { type: "integer" } });
  }
  for (const route of routesOf(app)) {
    const responses: RouteConfig["responses"] = {
      ...route.responses,
      429: route.responses[429] ?? {
        description:
          "Rate limited: more than the partner's requests per minute, or too many failed key lookups from this address",
        content: errorContent,
      },
      503: route.responses[503] ?? {
        description: "The rate limiter could not answer: nothing was done; retry after `Retry-After` seconds",
        content: errorContent,
      },
    };
    for (const [status, response] of Object.entries(responses)) {
      if (status === "401" || "$ref" in response) continue;
      responses[status] = {
        ...response,
        headers:
          status === "503"
            ? { "Retry-After": headerRef("Retry-After") }
            : {
                "X-RateLimit-Limit": headerRef("X-RateLimit-Limit"),
                "X-RateLimit-Remaining": headerRef("X-RateLimit-Remaining"),
                "X-RateLimit-Reset": headerRef("X-RateLimit-Reset"),
                ...(status === "429" ? { "Retry-After": headerRef("Retry-After") } : {}),
              },
      };
    }
    route.responses = responses;
  }
}

/** Documents a body limit (413) on every operation of `app` that takes a body and does not document its own. */
export function documentBodyLimit(app: Api, maxBytes: number): void {
  for (const route of routesOf(app)) {
    if (!route.request?.body || route.responses[413]) continue;
    route.responses = {
      ...route.responses,
      413: { description: `Body larger than ${maxBytes / 1024} KiB`, content: errorContent },
    };
  }
}

/** Documents the 429 of too many failed key lookups from one address on every operation of `app`. */
export function documentFailureLimit(app: Api): void {
  for (const route of routesOf(app)) {
    route.responses = {
      ...route.responses,
      429: route.responses[429] ?? {
        description: "Too many failed key lookups from this address; retry after `Retry-After` seconds",
        content: errorContent,
      },
    };
  }
}

function routesOf(app: Api): RouteConfig[] {
  return app.openAPIRegistry.definitions.flatMap((definition) =>
    definition.type === "route" ? [definition.route] : [],
  );
}

/** What a document says about itself. */
export interface DocumentInfo {
  title: string;
  description: string;
}

/**
 * An OpenAPI 3.1 document of `/api/v1` (the partner API's, or the operator API's): what the route and
 * webhook definitions of `api` generate, with this server, the tags the resources declared (and the webhook events of `webhooks/payloads.ts`), and request bodies as `components/requestBodies`: a body is
 * what a client sends, so a field with a default is one it may leave out (`components/schemas`
 * describe what the API answers, where that field is always present).
 */
export function openApiDocument(api: Api, origin: string, info: DocumentInfo): Document {
  const doc = api.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: info.title, version: "1.0.0", description: info.description },
    servers: [{ url: `${origin}/api/v1`, description: "This server" }],
  });
  // In the order the operations come: the order each API mounts its resources.
  const used = [...new Set(operations(doc).flatMap((operation) => operation.tags ?? []))];
  const declared = new Map(declaredTags().map((tag) => [tag.name, tag.description]));
  doc.tags = used.map((name) => ({ name, description: declared.get(name) ?? "" }));
  moveRequestBodies(doc);
  return doc;
}

/** The partner API's own words about itself: authentication, rate limit, errors. */
export const PARTNER_API_INFO: DocumentInfo = {
  title: "Partner API",
  description:
    "Manage sub-organizations, pixels, credits and visitors.\n\n" +
    "Authenticate every partner request with the `X-Partner-API-Key` header. " +
    `Each partner account may make ${groupDigits(DEFAULT_PARTNER_RATE_LIMIT)} requests per minute; every response carries ` +
    "`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds), and a request over the limit " +
    "gets 429 `RateLimited` with `Retry-After`. Errors are `{ code, message, details }`.",
};

type Operation = {
  tags?: string[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: SchemaObject }> } | { $ref: string };
};

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

function operations(doc: Document, { webhooks = true } = {}): Operation[] {
  const items = [...Object.values(doc.paths ?? {}), ...(webhooks ? Object.values(doc.webhooks ?? {}) : [])];
  return items.flatMap((item) =>
    METHODS.map((method) => (item as Record<string, Operation | undefined>)[method]).filter((o) => o !== undefined),
  );
}

const SCHEMA_REF = "#/components/schemas/";

/**
 * Every JSON request body of a route that names a schema becomes a named request body with that
 * schema inlined. (Webhook bodies are what Sightline sends, so they stay schemas.)
 */
function moveRequestBodies(doc: Document): void {
  const components = (doc.components ??= {});
  const schemas = (components.schemas ?? {}) as Record<string, SchemaObject>;
  const bodies: Record<string, unknown> = {};
  for (const operation of operations(doc, { webhooks: false })) {
    const body = operation.requestBody;
    if (!body || "$ref" in body) continue;
    const ref = body.content?.["application/json"]?.schema?.$ref;
    if (typeof ref !== "string" || !ref.startsWith(SCHEMA_REF)) continue;
    const name = ref.slice(SCHEMA_REF.length);
    bodies[name] ??= { ...body, content: { "application/json": { schema: inline(schemas[name]!, schemas) } } };
    operation.requestBody = { $ref: `#/components/requestBodies/${name}` };
  }
  components.requestBodies = { ...components.requestBodies, ...bodies } as typeof components.requestBodies;
  const others = Object.fromEntries(Object.entries(schemas).filter(([name]) => !(name in bodies)));
  const rest = JSON.stringify({ ...doc, components: { ...components, schemas: others } });
  for (const name of Object.keys(bodies)) {
    if (!rest.includes(`"${SCHEMA_REF}${name}"`)) delete schemas[name];
  }
}

/** A schema with every `$ref` to a component schema replaced by that schema, so it reads as one input. */
function inline(schema: unknown, schemas: Record<string, SchemaObject>): unknown {
  if (Array.isArray(schema)) return schema.map((item) => inline(item, schemas));
  if (schema === null || typeof schema !== "object") return schema;
  const { $ref, ...rest } = schema as SchemaObject;
  const inlined = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, inline(value, schemas)]));
  if (typeof $ref === "string" && $ref.startsWith(SCHEMA_REF)) {
    return { ...(inline(schemas[$ref.slice(SCHEMA_REF.length)], schemas) as SchemaObject), ...inlined };
  }
  return $ref === undefined ? inlined : { $ref, ...inlined };
}
