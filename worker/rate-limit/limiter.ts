import { DurableObject } from "cloudflare:workers";
import { coreConfigOf } from "../core-config";
import type { Env } from "../env";

/** Fixed windows of one minute, each starting at the first request after the previous one ended. */
export const WINDOW_MS = 60_000;

/** What a request learns from the limiter; `reset` is Unix seconds (the `X-RateLimit-Reset` header). */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  reset: number;
}

interface Window {
  start: number;
  count: number;
}

/**
 * One per partner account: counts its requests exactly. `hit` is synchronous (memory plus the
 * synchronous KV of SQLite storage) so two requests can never interleave between the read and
 * the increment; the reply leaves only once the count is durable (output gate), so an eviction
 * or restart inside a window does not forget requests already answered.
 */
export class RateLimiter extends DurableObject<Env> {
  #window: Window;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#window = ctx.storage.kv.get<Window>("window") ?? { start: 0, count: 0 };
  }

  hit(now: number = Date.now()): RateLimitDecision {
    const limit = coreConfigOf(this.env).partnerRateLimit;
    if (now >= this.#window.start + WINDOW_MS) this.#window = { start: now, count: 0 };
    // Rejected requests are not counted: the window's budget is what was served.
    const allowed = this.#window.count < limit;
    if (allowed) {
      this.#window.count += 1;
      this.ctx.storage.kv.put("window", this.#window);
    }
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - this.#window.count),
      reset: Math.ceil((this.#window.start + WINDOW_MS) / 1000),
    };
  }
}
