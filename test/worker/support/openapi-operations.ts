import { exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { receiverBucket } from "../../fixtures/receiver";
import { sha256Hex } from "../../../worker/lib/crypto";
import { newOrganization } from "./partners";
import { seedVisitors } from "./visitors";
import { freshDomain } from "./domains";

/** One operation of the OpenAPI document, with its path relative to `/api/v1/partner`. */
export interface PartnerOperation {
  method: string;
  /** e.g. `/organizations/{organizationId}/pixel` */
  path: string;
  /** e.g. `PUT /organizations/{organizationId}/pixel`, for test names */
  key: string;
  params: string[];
  operation: {
    requestBody?: { content?: Record<string, { schema?: unknown }> };
    parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  };
}

const METHODS = ["get", "put", "post", "delete", "patch"];

export async function openApiDocument(): Promise<any> {
  const res = await exports.default.fetch("https://api.test/api/v1/openapi.json");
  expect(res.status).toBe(200);
  return res.json();
}

/** Every partner operation the document lists: tests driven by it cover new routes automatically. */
export async function partnerOperations(): Promise<{ doc: any; operations: PartnerOperation[] }> {
  const doc = await openApiDocument();
  const operations = Object.entries<Record<string, any>>(doc.paths)
    .filter(([path]) => path.startsWith("/partner/"))
    .flatMap(([fullPath, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => {
          const path = fullPath.slice("/partner".length);
          return {
            method: method.toUpperCase(),
            path,
            key: `${method.toUpperCase()} ${path}`,
            params: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
            operation,
          };
        }),
    );
  expect(operations.length).toBeGreaterThan(20);
  return { doc, operations };
}

/** The path with its `{param}`s replaced; a param without an id fails loudly, naming it. */
export function fillPath(path: string, ids: Partial<Record<string, string>>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (!ids[name]) throw new Error(`No fixture id for {${name}} in ${path}: add one to partnerWithResources()`);
    return encodeURIComponent(ids[name]);
  });
}

/** A valid ICP config body (industry + country, one optional page condition). */
export const ICP_CONFIG = {
  name: "Software in the US",
  groups: [
    {
      operator: "AND",
      conditions: [
        { type: "industry", comparator: "eq", value: "Software" },
        { type: "country", comparator: "eq", value: "US" },
        { type: "page_contains", comparator: "eq", value: "pricing", optional: true },
      ],
    },
  ],
};

/** A valid alert body: Slack messages on the pricing page, to the local receiver. */
export const ALERT = {
  name: "Pricing page",
  trigger: "page_viewed",
  pages: ["/pricing*"],
  channels: [{ type: "slack", webhookUrl: receiverBucket().url("ok") }],
};

/**
 * A partner owning one of every resource a partner route takes an id of, and those ids by
 * path-parameter name. A new route with a new kind of id needs a line here.
 */
export async function partnerWithResources() {
  const owner = await newOrganization({ externalId: `ext-${crypto.randomUUID()}` });
  const { api, organization } = owner;
  const icp = await api("POST", `/organizations/${organization.id}/icp-configs`, ICP_CONFIG);
  expect(icp.status, icp.text).toBe(201);
  const alert = await api("POST", `/organizations/${organization.id}/alerts`, ALERT);
  expect(alert.status, alert.text).toBe(201);
  const segment = await api("POST", `/organizations/${organization.id}/segments`, {
    name: "On pricing",
    filter: { pages: ["/pricing*"] },
  });
  expect(segment.status, segment.text).toBe(201);
  const key = await api("POST", "/api-keys", { name: "spare", scopes: ["read"] });
  expect(key.status, key.text).toBe(201);
  const hook = await api("PUT", "/webhooks/identification", { url: receiverBucket().url("ok") });
  expect(hook.status, hook.text).toBe(200);
  const delivery = await api("POST", "/webhooks/test", { type: "identification" });
  const domain = await api("PUT", "/domain", { domain: freshDomain("t") });
  expect(domain.status, domain.text).toBe(200);
  expect(delivery.status, delivery.text).toBe(200);
  const link = await api("POST", `/organizations/${organization.id}/dashboard-links`, {
    email: "owner@client.example",
  });
  expect(link.status, link.text).toBe(201);
  const opened = await exports.default.fetch(link.body.dashboardLink.url, { redirect: "manual" });
  expect(opened.status).toBe(303);
  const sessions = await api("GET", `/sessions?organizationId=${organization.id}`);
  expect(sessions.body.sessions).toHaveLength(1);
  const [visitorId] = await seedVisitors(organization.id, [
    { name: "Seeded Co", lastSeen: Math.floor(Date.now() / 1000) },
  ]);
  const suppressed = await api("POST", "/suppressions", { emailSha256: await sha256Hex(crypto.randomUUID()) });
  expect(suppressed.status, suppressed.text).toBe(201);
  const erasure = await api("DELETE", `/people/${suppressed.body.suppression.emailSha256}`);
  expect(erasure.status, erasure.text).toBe(202);
  // Settled, so the owner's reads stay the same while other tests run.
  await vi.waitFor(
    async () =>
      expect((await api("GET", `/erasures/${erasure.body.erasure.id}`)).body.erasure.status).toBe("completed"),
    { timeout: 15_000, interval: 100 },
  );
  const ids: Record<string, string> = {
    organizationId: organization.id,
    sessionId: sessions.body.sessions[0].id,
    icpConfigId: icp.body.icpConfig.id,
    alertId: alert.body.alert.id,
    segmentId: segment.body.segment.id,
    keyId: key.body.apiKey.id,
    deliveryId: delivery.body.delivery.id,
    emailSha256: suppressed.body.suppression.emailSha256,
    visitorId: visitorId!,
    erasureId: erasure.body.erasure.id,
    // Operator routes (fuzz test).
    partnerId: owner.partner.id,
  };
  return { ...owner, ids };
}

/** What a partner sees through the given reads (volatile bookkeeping, `lastUsedAt`, left out). */
export async function stateOf(
  api: (method: string, path: string) => Promise<{ status: number; text: string }>,
  ids: Record<string, string>,
  reads: PartnerOperation[],
) {
  const state: Record<string, unknown> = {};
  for (const read of reads) {
    const res = await api("GET", fillPath(read.path, ids));
    state[read.key] = {
      status: res.status,
      body: res.text ? JSON.parse(res.text.replace(/"lastUsedAt":"[^"]*"/g, '"lastUsedAt":null')) : null,
    };
  }
  return state;
}

/** `?name=value` for each required query parameter and each with an example, from its example, default, enum or type. */
export function exampleQuery(operation: PartnerOperation): string {
  const query = new URLSearchParams();
  for (const p of operation.operation.parameters ?? []) {
    const schema = (p.schema ?? {}) as { example?: unknown; default?: unknown; enum?: unknown[]; type?: string };
    if (p.in !== "query" || (!p.required && schema.example === undefined)) continue;
    const value =
      schema.example ??
      schema.default ??
      schema.enum?.[0] ??
      (schema.type === "integer" || schema.type === "number" ? 1 : "x");
    query.set(p.name, String(value));
  }
  const text = query.toString();
  return text ? `?${text}` : "";
}
