import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { Hit } from "../../../shared/hit";
import { hitQueueName, hitQueueNumberOf } from "../../../worker/collect/hit-queues";
import type { AcceptedHit } from "../../../worker/collect/message";
import type { Env } from "../../../worker/env";
import worker from "../../../worker/index";
import type { Shard } from "../../../worker/shards";
import { BASE } from "./api";

export const BROWSER_UA =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";

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
