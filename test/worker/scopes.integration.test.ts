import { beforeAll, describe, expect, it } from "vitest";
import { isoSeconds } from "../../worker/lib/time";
import { asPartner, call, expectEnvelope } from "./support/api";
import { freshIp } from "./support/hits";
import { untilPast } from "./support/time";
import {
  fillPath,
  partnerOperations,
  exampleQuery,
  partnerWithResources,
  stateOf,
  type PartnerOperation,
} from "./support/openapi-operations";

/**
 * Scopes and key lifecycle over every partner route of the OpenAPI document. Routes that need
 * the `admin` scope say so in their summary ("(admin scope)"), which is what a partner reads.
 */
const { operations } = await partnerOperations();
const needsAdmin = (o: PartnerOperation) => /\(admin scope\)/.test(`${(o.operation as { summary?: string }).summary}`);
const reads = operations.filter((o) => o.method === "GET");
const writes = operations.filter((o) => o.method !== "GET");

type Owner = Awaited<ReturnType<typeof partnerWithResources>>;
let owner: Owner;

beforeAll(async () => {
  owner = await partnerWithResources();
});

async function newKey(body: Record<string, unknown>) {
  const res = await owner.api("POST", "/api-keys", { name: "scoped", ...body });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.apiKey.id as string, plainKey: res.body.plainKey as string, api: asPartner(res.body.plainKey) };
}

describe("a read-only key", () => {
  it("reads every route that does not need the admin scope", async () => {
    const { api } = await newKey({ scopes: ["read"] });
    expect(reads.filter((o) => !needsAdmin(o)).length).toBeGreaterThan(10);
    for (const read of reads) {
      const res = await api("GET", fillPath(read.path, owner.ids) + exampleQuery(read));
      if (needsAdmin(read)) expectEnvelope(res, 403, "Forbidden");
      else expect(res.status, `${read.key} → ${res.text}`).toBe(200);
    }
  });

  it("writes nothing: every other method answers 403 Forbidden and changes nothing", async () => {
    const { api } = await newKey({ scopes: ["read"] });
    const before = await stateOf(owner.api, owner.ids, reads);
    for (const write of writes) {
      const res = await api(write.method, fillPath(write.path, owner.ids), {});
      expect(res.status, `${write.key} → ${res.text}`).toBe(403);
      expectEnvelope(res, 403, "Forbidden");
    }
    expect(await stateOf(owner.api, owner.ids, reads)).toEqual(before);
  });
});

describe("a key that no longer works", () => {
  // Each request from its own address: one address is refused (429) after 30 failed lookups a minute.
  async function expectUnauthorizedEverywhere(plainKey: string) {
    for (const o of operations) {
      const res = await call(o.method, `/api/v1/partner${fillPath(o.path, owner.ids)}`, {
        body: o.method === "GET" ? undefined : {},
        headers: { "x-partner-api-key": plainKey, "cf-connecting-ip": freshIp() },
      });
      expect(res.status, `${o.key} → ${res.text}`).toBe(401);
      expectEnvelope(res, 401, "Unauthorized");
    }
  }

  it("gets 401 on every route once revoked", async () => {
    const key = await newKey({});
    expect((await key.api("GET", "/me")).status).toBe(200);
    expect((await owner.api("DELETE", `/api-keys/${key.id}`)).status).toBe(204);
    await expectUnauthorizedEverywhere(key.plainKey);
  });

  it("gets 401 on every route once expired", async () => {
    const expiresAt = Date.now() + 3_000;
    const key = await newKey({ expiresAt: isoSeconds(expiresAt) });
    expect((await key.api("GET", "/me")).status).toBe(200);
    await untilPast(expiresAt);
    await expectUnauthorizedEverywhere(key.plainKey);
  });
});
