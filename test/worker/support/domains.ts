import { expect } from "vitest";

/**
 * The world outside, as the Cloudflare stand-in keeps it (test/fixtures/cloudflare-api.js): the
 * public DNS that our check and Cloudflare's validation both read, hostnames' age, zones' quotas,
 * and every API call the Worker made.
 */

const CONTROL = "https://api.cloudflare.test/__control";

async function control(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${CONTROL}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok, `${method} ${path}`).toBe(true);
  return response.json();
}

/** Publishes a DNS record (TXT values add up; `null` removes every value of that type). */
export const publish = (name: string, type: "CNAME" | "TXT", value: string | null) =>
  control("PUT", "/dns", { name, type, value });

/** Lets time pass for one hostname at Cloudflare (its validation schedule), without waiting. */
export const age = (hostname: string, ms: number) => control("POST", `/hostnames/${hostname}/age`, { ms });

/** A zone of the stand-in with its own quota and entitlements. */
export const zone = (id: string, settings: { quota?: number; metadata?: boolean }) =>
  control("PUT", `/zones/${id}`, settings);

export interface CloudflareCall {
  method: string;
  path: string;
  authorization: string | null;
  body: string;
}

/** Every call the Worker made to Cloudflare's API about this hostname, in order. */
export const cloudflareCalls = (hostname: string): Promise<CloudflareCall[]> =>
  control("GET", `/log?hostname=${encodeURIComponent(hostname)}`);

let counter = 0;
/**
 * A host name Cloudflare accepts: not under a reserved top-level domain (`.test`, `.example`) nor
 * example.com/net/org, which its API refuses (1409, 1411).
 */
export const freshDomain = (label = "track") =>
  `${label}.${Date.now().toString(36)}${(counter++).toString(36)}${crypto.randomUUID().slice(0, 4)}.agency-sightline-tests.net`;

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any; text: string }>;

/** Publishes what the verification object asks for: our CNAME and TXT, and Cloudflare's TXT records. */
export async function publishRecords(verification: {
  dnsRecords: { type: "CNAME" | "TXT"; name: string; value: string }[];
}) {
  for (const record of verification.dnsRecords) await publish(record.name, record.type, record.value);
}

/**
 * Sets `domain` as the partner's, publishes its records and checks until it is live (verified,
 * its hostname and certificate active at Cloudflare): what a partner does with the console's
 * "check now" button. Returns the last verification object.
 */
export async function makeLive(api: Api, domain = freshDomain()) {
  const set = await api("PUT", "/domain", { domain });
  expect(set.status, set.text).toBe(200);
  await publishRecords(set.body);
  let last = set.body;
  for (let i = 0; i < 10 && !last.active; i++) {
    const res = await api("POST", "/domain/verify");
    expect(res.status, res.text).toBe(200);
    last = res.body;
  }
  expect(last, "the domain went live").toMatchObject({ verified: true, active: true, tls: "active" });
  return { domain, verification: last };
}
