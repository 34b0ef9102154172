import { describe, expect, it } from "vitest";
import { asPartner, expectEnvelope } from "./support/api";
import { newOrganization, newPartner } from "./support/partners";

const ALL_ON = {
  credits_exhausted: true,
  credits_low: true,
  first_visitor_identified: true,
  subscription_activated: true,
  subscription_canceled: true,
  payment_failed: true,
  renewal_receipt: true,
};

describe("partner API: email preferences", () => {
  it("sends every email until the partner turns one off", async () => {
    const { api } = await newPartner();
    const res = await api("GET", "/email-preferences");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ emailPreferences: ALL_ON });
  });

  it("changes only the keys sent", async () => {
    const { api } = await newPartner();
    const first = await api("PUT", "/email-preferences", { credits_low: false, renewal_receipt: false });
    expect(first.status, first.text).toBe(200);
    expect(first.body.emailPreferences).toEqual({ ...ALL_ON, credits_low: false, renewal_receipt: false });
    const second = await api("PUT", "/email-preferences", { renewal_receipt: true });
    expect(second.body.emailPreferences).toEqual({ ...ALL_ON, credits_low: false });
    expect((await api("GET", "/email-preferences")).body.emailPreferences).toEqual({ ...ALL_ON, credits_low: false });
  });

  it("rejects unknown keys and non-boolean values", async () => {
    const { api } = await newPartner();
    const res = await api("PUT", "/email-preferences", { credits_low: "no" });
    expectEnvelope(res, 400, "BadRequest");
    expect(res.body.details[0].field).toBe("credits_low");
    expectEnvelope(await api("PUT", "/email-preferences", { weekly_digest: true }), 400, "BadRequest");
    expectEnvelope(await api("PUT", "/email-preferences", "[true]"), 400, "BadRequest");
  });

  it("lets a read-only key read the preferences but not change them", async () => {
    const { api } = await newPartner();
    const reader = asPartner((await api("POST", "/api-keys", { name: "Reader", scopes: ["read"] })).body.plainKey);
    expect((await reader("GET", "/email-preferences")).status).toBe(200);
    expectEnvelope(await reader("PUT", "/email-preferences", { credits_low: false }), 403, "Forbidden");
  });

  it("overrides the partner's choice for one organization and shows which keys are overridden", async () => {
    const { api, organization } = await newOrganization();
    await api("PUT", "/email-preferences", { credits_low: false, payment_failed: false });
    const path = `/organizations/${organization.id}/email-preferences`;

    const inherited = await api("GET", path);
    expect(inherited.status).toBe(200);
    expect(inherited.body).toEqual({
      organizationId: organization.id,
      emailPreferences: { ...ALL_ON, credits_low: false, payment_failed: false },
      overriddenKeys: [],
    });

    const res = await api("PUT", path, { credits_low: true, first_visitor_identified: false });
    expect(res.status, res.text).toBe(200);
    expect(res.body.emailPreferences).toEqual({ ...ALL_ON, payment_failed: false, first_visitor_identified: false });
    expect(res.body.overriddenKeys).toEqual(["credits_low", "first_visitor_identified"]);

    // The partner's later changes reach keys the organization does not override, and only those.
    await api("PUT", "/email-preferences", { credits_low: false, payment_failed: true });
    expect((await api("GET", path)).body.emailPreferences).toMatchObject({ credits_low: true, payment_failed: true });

    // null hands one key back to the partner.
    const partial = await api("PUT", path, { credits_low: null });
    expect(partial.body.overriddenKeys).toEqual(["first_visitor_identified"]);
    expect(partial.body.emailPreferences.credits_low).toBe(false);
  });

  it("removes all of an organization's overrides", async () => {
    const { api, organization } = await newOrganization();
    const path = `/organizations/${organization.id}/email-preferences`;
    await api("PUT", path, { renewal_receipt: false });
    const res = await api("DELETE", path);
    expect(res.status).toBe(204);
    expect((await api("GET", path)).body).toMatchObject({ emailPreferences: ALL_ON, overriddenKeys: [] });
    expect((await api("DELETE", path)).status).toBe(204);
  });

  it("answers 404 for another partner's organization", async () => {
    const { organization } = await newOrganization();
    const stranger = await newPartner();
    const path = `/organizations/${organization.id}/email-preferences`;
    expectEnvelope(await stranger.api("GET", path), 404, "NotFound");
    expectEnvelope(await stranger.api("PUT", path, { credits_low: false }), 404, "NotFound");
    expectEnvelope(await stranger.api("DELETE", path), 404, "NotFound");
    expectEnvelope(await stranger.api("GET", "/organizations/org_unknown/email-preferences"), 404, "NotFound");
  });

  it("validates organization overrides", async () => {
    const { api, organization } = await newOrganization();
    const res = await api("PUT", `/organizations/${organization.id}/email-preferences`, {
      credits_low: 1,
      unknown_email: true,
    });
    expectEnvelope(res, 400, "BadRequest");
  });
});
