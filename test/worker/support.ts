import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { Hit } from "../../shared/hit";
import type { AcceptedHit } from "../../worker/collect/message";
import type { Env } from "../../worker/env";
import worker from "../../worker/index";

export const BASE = "https://api.test";
export const BROWSER_UA =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";

export async function call(
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await exports.default.fetch(`${BASE}${path}`, {
    method,
    headers: { "content-type": "application/json", ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null, text };
}

export const admin = (method: string, path: string, body?: unknown) =>
  call(method, `/api/v1/admin${path}`, { body, headers: { "x-admin-api-key": env.ADMIN_API_KEY } });

export const asPartner = (key: string) => (method: string, path: string, body?: unknown) =>
  call(method, `/api/v1/partner${path}`, { body, headers: { "x-partner-api-key": key } });

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${crypto.randomUUID().slice(0, 6)}`;

/** A new partner with its own key; every test makes its own so tests never share data. */
export async function newPartner(overrides: Record<string, unknown> = {}) {
  const res = await admin("POST", "/partners", {
    name: "Agency",
    slug: `agency-${unique()}`,
    billingMode: "credit_pool",
    creditPoolTotal: 100_000,
    ...overrides,
  });
  expect(res.status, res.text).toBe(201);
  return { partner: res.body.partner, key: res.body.plainKey as string, api: asPartner(res.body.plainKey) };
}

/** A partner with one organization and its pixel key. */
export async function newOrganization(
  orgBody: Record<string, unknown> = {},
  partnerOverrides: Record<string, unknown> = {},
) {
  const p = await newPartner(partnerOverrides);
  const created = await p.api("POST", "/organizations", {
    name: "Client",
    tier: "paid",
    initialCredits: 100,
    ...orgBody,
  });
  expect(created.status, created.text).toBe(201);
  const organization = created.body.organization;
  const pixel = await p.api("GET", `/organizations/${organization.id}/pixel`);
  return { ...p, organization, pixelKey: pixel.body.pixel.apiKey as string };
}

/** Imports a company owning `cidr`; returns its domain. */
export async function importCompany(cidr: string | string[], name = `Company ${unique()}`) {
  const domain = `${unique()}.example`;
  const res = await admin("POST", "/companies", [
    { name, domain, industry: "Software", employeeRange: "51-200", country: "US", ipRanges: [cidr].flat() },
  ]);
  expect(res.status, res.text).toBe(200);
  return domain;
}

/** A distinct documentation-range address per call (198.18.0.0/15 is reserved for benchmarks). */
let nextAddress = 0;
export function freshIp(): string {
  const n = nextAddress++ + (Math.floor(Math.random() * 4000) << 4);
  return `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;
}

export function pageView(pixelKey: string, url = "https://client.example/", extra: Partial<Hit> = {}): Hit {
  return { k: pixelKey, t: "v", i: crypto.randomUUID(), u: url, w: 1280, ...extra } as Hit;
}

export interface HitOptions {
  ip?: string;
  userAgent?: string;
  origin?: string | null;
  headers?: Record<string, string>;
}

/** Posts a hit the way the pixel does: a text/plain body, no preflight. */
export async function sendHit(hit: Hit | string, options: HitOptions = {}) {
  const body = typeof hit === "string" ? hit : JSON.stringify(hit);
  const pageOrigin = typeof hit === "string" ? null : new URL(hit.u).origin;
  const origin = options.origin === undefined ? pageOrigin : options.origin;
  const response = await exports.default.fetch(`${BASE}/e`, {
    method: "POST",
    headers: {
      "content-type": "text/plain;charset=UTF-8",
      "user-agent": options.userAgent ?? BROWSER_UA,
      ...(options.ip ? { "cf-connecting-ip": options.ip } : {}),
      ...(origin ? { origin } : {}),
      ...options.headers,
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Receipts of an organization's identification attempts, straight from D1 (what the consumer stored). */
export async function receipts(organizationId: string) {
  const { results } = await env.DB.prepare(
    "SELECT event_id, reason, identity_key, credits FROM identifications WHERE organization_id = ? ORDER BY created_at",
  )
    .bind(organizationId)
    .all<{ event_id: string; reason: string; identity_key: string | null; credits: number }>();
  return results;
}

/** Waits until the queue consumer has written `count` receipts for the organization. */
export async function waitForReceipts(organizationId: string, count: number, timeout = 15_000) {
  return vi.waitFor(
    async () => {
      const rows = await receipts(organizationId);
      if (rows.length < count) throw new Error(`${rows.length}/${count} receipts`);
      return rows;
    },
    { timeout, interval: 50 },
  );
}

export function expectEnvelope(res: { status: number; body: unknown }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ code, message: expect.any(String) });
  expect(res.body).toHaveProperty("details");
}

/** Delivers messages to the queue consumer as the runtime would, e.g. with a chosen arrival time. */
export async function deliver(messages: AcceptedHit[]) {
  const batch = createMessageBatch(
    "sightline-hits",
    messages.map((body, i) => ({ id: `m${i}-${body.hit.i}`, timestamp: new Date(body.receivedAt), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

/** A hit as the edge enqueues it, for driving the consumer directly. */
export function accepted(
  organizationId: string,
  partnerId: string,
  pixelKey: string,
  ip: string,
  receivedAt: number,
): AcceptedHit {
  return {
    kind: "hit",
    hit: pageView(pixelKey),
    organizationId,
    partnerId,
    productType: "B2B",
    ip,
    userAgent:
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
    country: null,
    region: null,
    city: null,
    bot: false,
    hashRouting: false,
    receivedAt,
  };
}

/**
 * Calls the Worker with some bindings replaced: fault injection, for a binding failing the way the
 * platform's can (an overloaded Durable Object, an unreachable limiter). Everything else is real.
 */
export async function fetchWith(overrides: Partial<Env>, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${BASE}${path}`, init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null, text };
}

/**
 * Workers Rate Limiting windows are aligned to the clock (a 60 s window starts on the minute, also
 * in the local simulation): a test that must see one window whole waits when too little is left.
 */
export async function awayFromWindowEdge(periodSeconds = 60, needSeconds = 20) {
  const left = periodSeconds * 1000 - (Date.now() % (periodSeconds * 1000));
  if (left < needSeconds * 1000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
