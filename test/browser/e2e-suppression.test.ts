/**
 * End to end: a person the partner suppressed identifies on a client's site in a real browser,
 * with personal consent granted, and is neither identified nor charged; once the suppression is
 * lifted, the same person is.
 */
import { createHash } from "node:crypto";
import { expect, it, vi } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { queueSnippet, scriptSrc, useEndToEnd } from "./support/site.ts";
import { partnerView, seedOrganization, type SeededOrganization } from "./support/worker.ts";

const EMAIL = "opted.out@example.com";
const HASH = createHash("sha256").update(EMAIL).digest("hex");

const outcomes = async (org: SeededOrganization) =>
  (
    await org.api<{ counts: { byReason: Record<string, number> } }>(
      "GET",
      `/api/v1/partner/organizations/${org.organizationId}/receipts`,
    )
  ).counts.byReason;

describeBrowser("suppression, end to end", () => {
  const { worker, visit } = useEndToEnd();

  it("never identifies or charges a suppressed person, and does once the suppression is lifted", async (ctx) => {
    await worker().admin("POST", "/api/v1/admin/people", [
      { emailSha256: HASH, name: "Opted Out", emailDomain: "example.com", jobTitle: "Buyer" },
    ]);
    const org = await seedOrganization(worker(), { productType: "B2C" });
    await org.api("POST", "/api/v1/partner/suppressions", { emailSha256: HASH });
    const script = await (await fetch(scriptSrc(org.scriptTag))).text();
    const g = /"g":"([\w$]+)"/.exec(script)?.[1];
    expect(g).toBeTruthy();
    const identifying = `${queueSnippet(g!)}<script>${g}("consent", { personal: true }); ${g}("identify", { email: "${EMAIL}" });</script>`;

    await visit(ctx, org, { path: "/account", head: identifying });
    await vi.waitFor(async () => expect((await outcomes(org)).suppressed).toBe(1), { timeout: 15_000, interval: 250 });
    expect(await partnerView(org)).toMatchObject({ total: 0, creditsUsed: 0 });

    await org.api("DELETE", `/api/v1/partner/suppressions/${HASH}`);
    await visit(ctx, org, { path: "/account", head: identifying });
    const view = await vi.waitFor(
      async () => {
        const seen = await partnerView(org);
        expect(seen.total).toBe(1);
        return seen;
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(view.visitors[0]).toMatchObject({ type: "person", person: { name: "Opted Out" } });
    expect(view.creditsUsed).toBe(1);
    expect((await outcomes(org)).suppressed).toBe(1);
  });
});
