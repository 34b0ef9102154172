import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { CHARGE_REASONS, EDGE_REJECTIONS, type ChargeReason } from "../../../shared/billing";
import type { Hit } from "../../../shared/hit";
import { hitQueueName, hitQueueNumberOf } from "../../../worker/collect/hit-queues";
import { OUTCOME_COLUMN } from "../../../worker/collect/rollups";
import { searchDocument } from "../../../worker/visitors/search";
import type { AcceptedHit } from "../../../worker/collect/message";
import type { Env } from "../../../worker/env";
import worker from "../../../worker/index";
import { everyTenant, tenantOfPartner, type Shard, type TenantEnv } from "../../../worker/shards";

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

export interface RecordedOutcome {
  /** The pixel's event id: charges only (every other outcome is a daily count). */
  event_id: string | null;
  reason: ChargeReason;
  /** The visitor charged (`vis_…`): charges only. */
  identity_key: string | null;
  credits: number;
}

/** Outcomes of accepted hits that are daily counts (turned-away hits are counted apart). */
const COUNTED = CHARGE_REASONS.filter(
  (r) => r !== "charged" && !(EDGE_REJECTIONS as readonly ChargeReason[]).includes(r),
);

/**
 * What the consumer recorded for an organization's accepted hits, straight from D1: one row per
 * charge (its receipt, oldest first), then one row per hit of every other outcome, from the daily
 * counts (in the order of CHARGE_REASONS; they have no event id).
 */
export async function receipts(organizationId: string): Promise<RecordedOutcome[]> {
  const { DB } = await tenantOfOrganization(organizationId);
  const [charges, counts] = await DB.batch<Record<string, unknown>>([
    DB.prepare(
      `SELECT event_id, 'vis_' || visitor AS identity_key FROM charges
       WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?) ORDER BY at, event_id`,
    ).bind(organizationId),
    DB.prepare(
      `SELECT ${COUNTED.map((r) => `coalesce(sum(${OUTCOME_COLUMN[r]}), 0) AS ${r}`).join(", ")}
       FROM usage_daily WHERE organization_id = ?`,
    ).bind(organizationId),
  ]);
  const counted = (counts!.results[0] ?? {}) as Record<ChargeReason, number>;
  return [
    ...(charges!.results as { event_id: string; identity_key: string }[]).map((c) => ({
      ...c,
      reason: "charged" as const,
      credits: 1,
    })),
    ...COUNTED.flatMap((reason) =>
      Array.from({ length: counted[reason] ?? 0 }, () => ({ event_id: null, reason, identity_key: null, credits: 0 })),
    ),
  ];
}

/** Waits until the queue consumer has recorded `count` outcomes for the organization. */
export async function waitForReceipts(organizationId: string, count: number, timeout = 15_000) {
  return vi.waitFor(
    async () => {
      const rows = await receipts(organizationId);
      if (rows.length < count) throw new Error(`${rows.length}/${count} outcomes`);
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

/** The name of the hit queue the edge sends a pixel key's hits to (worker/collect/hit-queues.ts). */
export function hitQueueOf(pixelKey: string, workerEnv: Env = env): string {
  return hitQueueName(hitQueueNumberOf(workerEnv, pixelKey));
}

/**
 * Delivers messages to the queue consumer as the runtime would, e.g. with a chosen arrival time: a batch of
 * the queue the first message's pixel key goes to.
 */
export async function deliver(messages: AcceptedHit[], options: { attempts?: number; env?: typeof env } = {}) {
  return deliverTo(
    hitQueueOf(messages[0]!.hit.k, options.env),
    messages.map((body) => ({ id: `m-${body.hit.i}`, body, attempts: options.attempts ?? 1 })),
    options.env,
  );
}

/** Delivers a batch of queue messages (ids chosen, so a test can deliver the same message again). */
export async function deliverTo(
  queue: string,
  messages: { id: string; body: unknown; attempts?: number; timestamp?: Date }[],
  workerEnv: typeof env = env,
) {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ id: m.id, timestamp: m.timestamp ?? new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<never>, workerEnv, ctx);
  return getQueueResult(batch, ctx);
}

/** A hit as the edge enqueues it, for driving the consumer directly. */
export function accepted(
  organizationId: string,
  partner: { id: string; shard: Shard },
  pixelKey: string,
  ip: string,
  receivedAt: number,
): AcceptedHit {
  return {
    kind: "hit",
    hit: pageView(pixelKey),
    organizationId,
    shard: partner.shard,
    partnerId: partner.id,
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
  if (left < needSeconds * 1000) await untilPast(Date.now() + left);
}

/**
 * Waits by the clock until `at` (ms since the epoch) is over, for what only time brings: an expiry,
 * a later second. Anything that happens by itself (a consumer, an alarm, a delivery) is waited for
 * on its condition instead (`vi.waitFor`, `waitForReceipts`).
 */
export async function untilPast(at: number) {
  const left = at - Date.now();
  if (left >= 0) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** Waits until the clock shows a later whole second than now (times stored in seconds then differ). */
export const untilNextSecond = () => untilPast(Math.floor(Date.now() / 1000) * 1000 + 999);

/** A visitor as a test writes it straight into D1 (times in unix seconds). */
export interface SeededVisitor {
  name: string;
  type?: "company" | "person";
  domain?: string | null;
  industry?: string | null;
  employeeRange?: string | null;
  country?: string | null;
  lastSeen: number;
  sessions?: number;
  pageViews?: number;
  icpMatched?: boolean;
  icpScore?: number;
  landingPage?: string | null;
}

/** The tenant shard of a partner (from the catalog). */
export const tenantOf = (partnerId: string) => tenantOfPartner(env, partnerId);

/** The tenant shard holding an organization: the one whose `organizations` has it (null: none has). */
export async function organizationTenant(organizationId: string): Promise<TenantEnv | null> {
  for (const tenant of everyTenant(env)) {
    const found = await tenant.DB.prepare("SELECT 1 FROM organizations WHERE id = ?").bind(organizationId).first();
    if (found) return tenant;
  }
  return null;
}

/** `organizationTenant` for an organization that exists. */
export async function tenantOfOrganization(organizationId: string): Promise<TenantEnv> {
  const tenant = await organizationTenant(organizationId);
  if (!tenant) throw new Error(`organization ${organizationId} is in no shard`);
  return tenant;
}

/** The organization's key in the visitor tables, created as the consumer does on its first hit. */
export async function organizationKey(organizationId: string): Promise<number> {
  const { DB } = await tenantOfOrganization(organizationId);
  await DB.prepare("INSERT OR IGNORE INTO organization_keys (organization_id, salt) VALUES (?, ?)")
    .bind(organizationId, crypto.randomUUID())
    .run();
  const row = await DB.prepare("SELECT key FROM organization_keys WHERE organization_id = ?")
    .bind(organizationId)
    .first<{ key: number }>();
  return row!.key;
}

/**
 * Visitors written straight into D1 the way the hits consumer keeps them (the row with its identity
 * snapshot, its search terms, the organization's running count); returns their API ids, in order.
 */
export async function seedVisitors(organizationId: string, visitors: SeededVisitor[]): Promise<string[]> {
  const org = await organizationKey(organizationId);
  const { DB } = await tenantOfOrganization(organizationId);
  const ids = visitors.map(() =>
    btoa(crypto.randomUUID())
      .replace(/[^A-Za-z0-9]/g, "")
      .slice(0, 11),
  );
  const rows = visitors.map((v, i) => [
    ids[i],
    v.type ?? "company",
    v.lastSeen - 60,
    v.lastSeen,
    v.sessions ?? 1,
    v.pageViews ?? 1,
    v.landingPage ?? "/",
    v.name,
    v.domain ?? null,
    v.industry ?? null,
    v.employeeRange ?? null,
    v.country ?? null,
    v.icpMatched ? 1 : 0,
    v.icpScore ?? 0,
    searchDocument(org, { name: v.name, domain: v.domain ?? null }),
  ]);
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = JSON.stringify(rows.slice(i, i + 100));
    await DB.batch([
      DB.prepare(
        `INSERT INTO visitors (org, id, type, first_seen, last_seen, sessions, page_views, landing_page, name, domain,
           industry, employee_range, hq_country, icp_matched, icp_score)
         SELECT ?1, ${Array.from({ length: 14 }, (_, k) => `r.value ->> ${k}`).join(", ")} FROM json_each(?2) r`,
      ).bind(org, chunk),
      DB.prepare(
        `INSERT INTO visitor_search (rowid, terms)
         SELECT v.seq, r.value ->> 14 FROM json_each(?2) r JOIN visitors v ON v.org = ?1 AND v.id = r.value ->> 0`,
      ).bind(org, chunk),
    ]);
  }
  await DB.prepare("UPDATE organization_keys SET visitors = visitors + ? WHERE key = ?")
    .bind(visitors.length, org)
    .run();
  return ids.map((id) => `vis_${id}`);
}
