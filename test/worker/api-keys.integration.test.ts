import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { asPartner, expectEnvelope } from "./support/api";
import { newPartner } from "./support/partners";

describe("partner API: API keys", () => {
  it("creates a key whose plain value is shown once and which works at once", async () => {
    const { api } = await newPartner();
    const res = await api("POST", "/api-keys", { name: "CI key", scopes: ["read", "write"] });
    expect(res.status, res.text).toBe(201);
    const { apiKey, plainKey } = res.body;
    expect(plainKey).toMatch(/^pk_live_[0-9a-f]{32}$/);
    expect(apiKey).toEqual({
      id: expect.any(String),
      name: "CI key",
      keyPrefix: plainKey.slice(0, 12),
      scopes: ["read", "write"],
      status: "active",
      expiresAt: null,
      lastUsedAt: null,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    });
    expect((await asPartner(plainKey)("GET", "/me")).status).toBe(200);

    const list = await api("GET", "/api-keys");
    expect(list.status).toBe(200);
    expect(list.body.apiKeys.map((k: { id: string }) => k.id)).toContain(apiKey.id);
    // The plain key and its hash never come back.
    expect(list.text).not.toContain(plainKey);
    expect(list.text).not.toMatch(/hash/i);
  });

  it("gives full access to a key created without scopes", async () => {
    const { api } = await newPartner();
    const { plainKey, apiKey } = (await api("POST", "/api-keys", { name: "Full" })).body;
    expect(apiKey.scopes).toEqual([]);
    expect((await asPartner(plainKey)("GET", "/api-keys")).status).toBe(200);
  });

  it("revokes a key: 204, it answers 401 at once, and it is listed as revoked", async () => {
    const { api } = await newPartner();
    const { plainKey, apiKey } = (await api("POST", "/api-keys", { name: "Temporary", scopes: ["read"] })).body;
    const other = asPartner(plainKey);
    expect((await other("GET", "/me")).status).toBe(200);

    const res = await api("DELETE", `/api-keys/${apiKey.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expectEnvelope(await other("GET", "/me"), 401, "Unauthorized");
    const listed = (await api("GET", "/api-keys")).body.apiKeys.find((k: { id: string }) => k.id === apiKey.id);
    expect(listed.status).toBe("revoked");
    // Revoking again is harmless.
    expect((await api("DELETE", `/api-keys/${apiKey.id}`)).status).toBe(204);
  });

  it("refuses an expired key with 401", async () => {
    const { api, partner } = await newPartner();
    const { plainKey, apiKey } = (
      await api("POST", "/api-keys", { name: "Short-lived", expiresAt: new Date(Date.now() + 60_000).toISOString() })
    ).body;
    expect(apiKey.expiresAt).toMatch(/Z$/);
    expect((await asPartner(plainKey)("GET", "/me")).status).toBe(200);
    // Time passes: move the expiry into the past rather than wait.
    await env.CATALOG.prepare("UPDATE api_keys SET expires_at = ? WHERE id = ? AND partner_id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), apiKey.id, partner.id)
      .run();
    expectEnvelope(await asPartner(plainKey)("GET", "/me"), 401, "Unauthorized");
  });

  it("records when a key was last used", async () => {
    const { api } = await newPartner();
    const { plainKey, apiKey } = (await api("POST", "/api-keys", { name: "Dashboard", scopes: ["read"] })).body;
    await asPartner(plainKey)("GET", "/me");
    await vi.waitFor(
      async () => {
        const listed = (await api("GET", "/api-keys")).body.apiKeys.find((k: { id: string }) => k.id === apiKey.id);
        expect(listed.lastUsedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      },
      { timeout: 5000, interval: 50 },
    );
  });

  it("needs the admin scope for every key operation, listing included", async () => {
    const { api } = await newPartner();
    const { plainKey, apiKey } = (await api("POST", "/api-keys", { name: "Writer", scopes: ["read", "write"] })).body;
    const writer = asPartner(plainKey);
    expectEnvelope(await writer("GET", "/api-keys"), 403, "Forbidden");
    expectEnvelope(await writer("POST", "/api-keys", { name: "Escalation" }), 403, "Forbidden");
    expectEnvelope(await writer("DELETE", `/api-keys/${apiKey.id}`), 403, "Forbidden");
  });

  it("validates the new key's name, scopes and expiry", async () => {
    const { api } = await newPartner();
    const res = await api("POST", "/api-keys", { name: "", scopes: ["owner"], expiresAt: "2020-01-01T00:00:00Z" });
    expectEnvelope(res, 400, "BadRequest");
    expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(
      expect.arrayContaining(["name", "scopes.0", "expiresAt"]),
    );
    expectEnvelope(await api("POST", "/api-keys", { expiresAt: "tomorrow" }), 400, "BadRequest");
  });

  it("answers 404 for another partner's key, and leaves it working", async () => {
    const mine = await newPartner();
    const theirs = await newPartner();
    const { apiKey, plainKey } = (await theirs.api("POST", "/api-keys", { name: "Theirs" })).body;
    expectEnvelope(await mine.api("DELETE", `/api-keys/${apiKey.id}`), 404, "NotFound");
    expectEnvelope(await mine.api("DELETE", "/api-keys/key_unknown"), 404, "NotFound");
    expect((await asPartner(plainKey)("GET", "/me")).status).toBe(200);
    expect((await mine.api("GET", "/api-keys")).body.apiKeys.map((k: { id: string }) => k.id)).not.toContain(apiKey.id);
  });

  it("keeps the last admin key from being revoked, so the account cannot lock itself out", async () => {
    const { api } = await newPartner();
    const initial = (await api("GET", "/api-keys")).body.apiKeys[0];
    const res = await api("DELETE", `/api-keys/${initial.id}`);
    expectEnvelope(res, 409, "Conflict");
    // With a successor in place, the old key can go.
    const successor = (await api("POST", "/api-keys", { name: "Successor", scopes: ["admin"] })).body.plainKey;
    expect((await api("DELETE", `/api-keys/${initial.id}`)).status).toBe(204);
    expect((await asPartner(successor)("GET", "/api-keys")).status).toBe(200);
  });

  it("limits a partner to 50 usable keys", async () => {
    const { api } = await newPartner();
    for (let i = 1; i < 50; i++) expect((await api("POST", "/api-keys", { name: `Key ${i}` })).status).toBe(201);
    expectEnvelope(await api("POST", "/api-keys", { name: "One too many" }), 422, "UnprocessableEntity");
  });
});
