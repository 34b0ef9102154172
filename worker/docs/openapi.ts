import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { DEFAULT_LIMIT } from "../rate-limit/limiter";

type Document = ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>;
type Operation = { tags?: string[]; security?: Record<string, string[]>[]; responses?: Record<string, Response> };
type Response = { description: string; headers?: Record<string, unknown>; content?: unknown };

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

/** One tag per resource, in the order a partner meets them; the first matching rule wins. */
const TAGS: { name: string; description: string; match: RegExp }[] = [
  {
    name: "Partner account",
    description: "The partner account, branding and script configuration.",
    match: /^\/partner\/(me|branding|script-config)\b/,
  },
  {
    name: "API keys",
    description: "Keys for this API, with scopes, expiry and revocation.",
    match: /^\/partner\/api-keys\b/,
  },
  {
    name: "Pixel",
    description: "A sub-organization's script tag, key and allowed referrers.",
    match: /^\/partner\/organizations\/\{[^}]+\}\/pixel\b/,
  },
  {
    name: "Visitors",
    description: "Identified visitors of a sub-organization.",
    match: /^\/partner\/organizations\/\{[^}]+\}\/visitors\b/,
  },
  {
    name: "Exclusions",
    description: "Visitors a sub-organization never wants identified or charged: its offices, its competitors.",
    match: /^\/partner\/organizations\/\{[^}]+\}\/exclusions\b/,
  },
  {
    name: "Dashboards",
    description: "Sign-in links to a client's dashboard and to the partner's console, and their sessions.",
    match: /^\/partner\/(organizations\/\{[^}]+\}\/dashboard-links|console-links|sessions)\b/,
  },
  {
    name: "Audit log",
    description: "Who did what through sign-in links, dashboards, the console and this API.",
    match: /^\/partner\/audit-log\b/,
  },
  {
    name: "ICP configs",
    description: "Ideal-customer-profile rules that match and score visitors.",
    match: /icp-configs\b/,
  },
  {
    name: "Emails",
    description: "Which emails are sent, per partner and per sub-organization.",
    match: /email-preferences\b/,
  },
  {
    name: "Credits and billing",
    description: "Credit allocations, receipts, the ledger, usage and pricing.",
    match: /^\/partner\/(organizations\/\{[^}]+\}\/(credits|receipts|ledger)|billing|usage|analytics)\b/,
  },
  {
    name: "Organizations",
    description: "Sub-organizations: one per client of the partner.",
    match: /^\/partner\/organizations\b/,
  },
  {
    name: "Custom script domain",
    description: "Serve the script from the partner's own domain.",
    match: /^\/partner\/domain\b/,
  },
  {
    name: "Webhooks",
    description: "Identification and billing webhooks and their delivery log.",
    match: /^\/partner\/webhooks\b/,
  },
  {
    name: "Operator",
    description: "Sightline's own operations: partners, data imports, adjustments.",
    match: /^\/admin\//,
  },
];

const rateLimitHeaders = {
  "X-RateLimit-Limit": { $ref: "#/components/headers/X-RateLimit-Limit" },
  "X-RateLimit-Remaining": { $ref: "#/components/headers/X-RateLimit-Remaining" },
  "X-RateLimit-Reset": { $ref: "#/components/headers/X-RateLimit-Reset" },
};

/**
 * The OpenAPI 3.1 document of `/api/v1`: what the route definitions generate, plus what is
 * cross-cutting and so written once here rather than in every route: servers, one tag per
 * resource, the security scheme of each API, and the rate-limit headers and 429 of partner routes.
 */
export function openApiDocument(api: OpenAPIHono<AppEnv>, origin: string): Document {
  const doc = api.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Partner API",
      version: "1.0.0",
      description:
        "Manage sub-organizations, pixels, credits and visitors.\n\n" +
        "Authenticate every partner request with the `X-Partner-API-Key` header. " +
        `Each partner account may make ${DEFAULT_LIMIT.toLocaleString("en-US")} requests per minute; every response carries ` +
        "`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds), and a request over the limit " +
        "gets 429 `RateLimited` with `Retry-After`. Errors are `{ code, message, details }`.",
    },
    servers: [{ url: `${origin}/api/v1`, description: "This server" }],
  });
  const used = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      operation.tags ??= [tagFor(path)];
      operation.tags.forEach((tag) => used.add(tag));
      if (path.startsWith("/partner/")) {
        operation.security ??= [{ PartnerApiKey: [] }];
        addRateLimit(operation);
      } else if (path.startsWith("/admin/")) {
        operation.security ??= [{ AdminApiKey: [] }];
      }
    }
  }
  doc.tags = TAGS.filter((tag) => used.has(tag.name)).map(({ name, description }) => ({ name, description }));
  const components = (doc.components ??= {});
  components.securitySchemes = {
    ...components.securitySchemes,
    PartnerApiKey: {
      type: "apiKey",
      in: "header",
      name: "X-Partner-API-Key",
      description: "A partner API key (`pk_live_…`).",
    },
    AdminApiKey: {
      type: "apiKey",
      in: "header",
      name: "X-Admin-API-Key",
      description: "The operator secret (`ADMIN_API_KEY`).",
    },
  };
  components.headers = {
    ...components.headers,
    "X-RateLimit-Limit": {
      description: "Requests allowed per minute for the partner account.",
      schema: { type: "integer" },
    },
    "X-RateLimit-Remaining": { description: "Requests left in the current window.", schema: { type: "integer" } },
    "X-RateLimit-Reset": { description: "When the current window ends (Unix seconds).", schema: { type: "integer" } },
    "Retry-After": { description: "Seconds until the window ends.", schema: { type: "integer" } },
  };
  return doc;
}

function tagFor(path: string): string {
  const rule = TAGS.find((tag) => tag.match.test(path));
  if (rule) return rule.name;
  // A route nobody has tagged yet still gets a tag: its first path segment after the API.
  const segment = path.split("/").filter(Boolean)[1] ?? path.split("/").filter(Boolean)[0] ?? "Other";
  return segment.charAt(0).toUpperCase() + segment.slice(1).replace(/-/g, " ");
}

function addRateLimit(operation: Operation) {
  const responses = (operation.responses ??= {});
  responses["429"] ??= {
    description: "Rate limited: more than the partner's requests per minute",
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
  for (const [status, response] of Object.entries(responses)) {
    // A 401 comes before the partner is known, so it is not counted and carries no rate-limit headers.
    if ("$ref" in response || status === "401") continue;
    response.headers = {
      ...rateLimitHeaders,
      ...(status === "429" ? { "Retry-After": { $ref: "#/components/headers/Retry-After" } } : {}),
      ...response.headers,
    };
  }
}
