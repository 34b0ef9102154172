import { beforeAll, describe, expect, it, vi } from "vitest";
import { expectEnvelope } from "./support/api";
import {
  fillPath,
  ALERT,
  ICP_CONFIG,
  partnerOperations,
  partnerWithResources,
  stateOf,
  type PartnerOperation,
} from "./support/openapi-operations";

/**
 * Tenant isolation over every partner route of the OpenAPI document that takes an id: another
 * partner's ids answer 404 NotFound, exactly like unknown ids, and nothing of theirs changes.
 */

/** Valid bodies, so that a 404 cannot hide behind a 400. A new writing route with an id needs one. */
const VALID_BODIES: Record<string, unknown> = {
  "PUT /organizations/{organizationId}": { name: "Hijacked" },
  "PUT /organizations/{organizationId}/status": { enabled: false },
  "PUT /organizations/{organizationId}/tier": { tier: "trial" },
  "PUT /organizations/{organizationId}/credits": { credits: 1 },
  "PUT /organizations/{organizationId}/pixel": { allowedReferrers: ["evil.example"] },
  "PUT /organizations/{organizationId}/email-preferences": { credits_low: false },
  "POST /organizations/{organizationId}/icp-configs": ICP_CONFIG,
  "PUT /organizations/{organizationId}/icp-configs/{icpConfigId}": { ...ICP_CONFIG, name: "Hijacked" },
  "POST /organizations/{organizationId}/alerts": ALERT,
  "PUT /organizations/{organizationId}/alerts/{alertId}": { ...ALERT, name: "Hijacked" },
  "POST /organizations/{organizationId}/segments": { name: "Hijacked", filter: {} },
  "PUT /organizations/{organizationId}/segments/{segmentId}": { name: "Hijacked", filter: { minScore: 1 } },
  "PUT /organizations/{organizationId}/digests": {
    recipients: [{ email: "intruder@evil.example", frequency: "daily" }],
  },
  "POST /organizations/{organizationId}/digests/preview": {},
  "POST /organizations/{organizationId}/digests/test": { to: "intruder@evil.example" },
  "POST /organizations/{organizationId}/dashboard-links": { email: "intruder@evil.example", role: "admin" },
  "PUT /organizations/{organizationId}/exclusions": { domains: ["client.example"], ipRanges: ["203.0.113.0/24"] },
};

const { operations } = await partnerOperations();
/**
 * Reads keyed by a person's email hash, not by a resource of the partner: every partner may ask about
 * anyone and gets what it holds itself, so another partner's person answers an empty 200, not 404.
 */
const PERSON_READS = ["GET /people/{emailSha256}/export"];
/** Likewise a person's erasure: it erases (and suppresses) the person in the caller's own organizations only. */
const PERSON_WRITES = ["DELETE /people/{emailSha256}"];
const withIds = operations.filter(
  (o) => o.params.length > 0 && !PERSON_READS.includes(o.key) && !PERSON_WRITES.includes(o.key),
);
const reads = operations.filter((o) => o.params.length > 0 && o.method === "GET");

type Owner = Awaited<ReturnType<typeof partnerWithResources>>;
let owner: Owner;
let intruder: Owner;

/** What the owner sees before any intrusion; each check reads it once more (one window of the owner's rate limit holds them all). */
let ownerBefore: Record<string, unknown>;

beforeAll(async () => {
  [owner, intruder] = await Promise.all([partnerWithResources(), partnerWithResources()]);
  ownerBefore = await ownerState();
});

const ownerState = () => stateOf(owner.api, owner.ids, reads);

function body(operation: PartnerOperation) {
  if (!operation.operation.requestBody) return undefined;
  if (!(operation.key in VALID_BODIES)) throw new Error(`No valid body for ${operation.key}: add one to VALID_BODIES`);
  return VALID_BODIES[operation.key];
}

describe("tenant isolation", () => {
  it("covers the routes that take an id", () => {
    expect(withIds.map((o) => o.key)).toEqual(
      expect.arrayContaining(["GET /organizations/{organizationId}", "DELETE /api-keys/{keyId}"]),
    );
  });

  it.each(withIds.map((o) => [o.key, o] as const))(
    "%s answers 404 to another partner's ids, like an unknown id, and changes nothing",
    async (_, operation) => {
      const foreign = await intruder.api(operation.method, fillPath(operation.path, owner.ids), body(operation));
      expectEnvelope(foreign, 404, "NotFound");

      // Nested ids: the intruder's own parent with the owner's child is just as foreign.
      if (operation.params.length > 1) {
        const parent = operation.params[0]!;
        const mixed = { ...owner.ids, [parent]: intruder.ids[parent] };
        expectEnvelope(
          await intruder.api(operation.method, fillPath(operation.path, mixed), body(operation)),
          404,
          "NotFound",
        );
      }

      const unknownIds = Object.fromEntries(
        Object.entries(owner.ids).map(([k, v]) => [
          k,
          v.includes("_") ? `${v.split("_")[0]}_${"0".repeat(32)}` : "0".repeat(v.length),
        ]),
      );
      const unknown = await intruder.api(operation.method, fillPath(operation.path, unknownIds), body(operation));
      expect({ status: unknown.status, code: unknown.body?.code }).toEqual({
        status: foreign.status,
        code: foreign.body.code,
      });

      expect(await ownerState()).toEqual(ownerBefore);
    },
  );
});

describe("reads keyed by a person", () => {
  it.each(PERSON_READS)("%s shows another partner nothing the owner holds", async (key) => {
    const operation = operations.find((o) => o.key === key)!;
    const foreign = await intruder.api(operation.method, fillPath(operation.path, owner.ids));
    expect(foreign.status, foreign.text).toBe(200);
    expect(foreign.body.export).toMatchObject({ suppression: null, organizations: [] });
    const own = await owner.api(operation.method, fillPath(operation.path, owner.ids));
    expect(own.body.export.suppression).not.toBeNull();
  });

  // After the reads: the intruder's erasure suppresses the person for the intruder.
  it.each(PERSON_WRITES)("%s by another partner changes nothing the owner holds", async (key) => {
    const operation = operations.find((o) => o.key === key)!;
    const foreign = await intruder.api(operation.method, fillPath(operation.path, owner.ids));
    expect(foreign.status, foreign.text).toBe(202);
    await vi.waitFor(
      async () =>
        expect((await intruder.api("GET", `/erasures/${foreign.body.erasure.id}`)).body.erasure.status).toBe(
          "completed",
        ),
      { timeout: 15_000, interval: 100 },
    );
    expect(await ownerState()).toEqual(ownerBefore);
  });
});
