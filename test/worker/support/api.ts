import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { Env } from "../../../worker/env";
import worker from "../../../worker/index";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";

/** The Worker's origin in the tests (the platform's host, as in production). */
export const BASE = "https://api.test";

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

export function expectEnvelope(res: { status: number; body: unknown }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ code, message: expect.any(String) });
  expect(res.body).toHaveProperty("details");
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
