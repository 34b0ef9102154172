/**
 * End to end, the default consent mode ("personal") against the real Worker: an identify
 * made before the site grants consent charges nothing; once consent is granted, the person
 * is charged exactly once.
 */
import { createHash } from "node:crypto";
import { expect, it, vi } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { parseHit } from "./support/hit-sink.ts";
import { queueSnippet, scriptSrc, useEndToEnd } from "./support/site.ts";
import { partnerView, type SeededOrganization, seedOrganization } from "./support/worker.ts";

const EMAIL = "Consenting.Buyer@Example.com";
const HASH = createHash("sha256").update(EMAIL.toLowerCase()).digest("hex");

interface Receipt {
  eventId: string;
  reason: string;
  credits: number;
  identity: string | null;
}
/** The charges' receipts, and every outcome counted per day. */
const receipts = (org: SeededOrganization) =>
  org.api<{ receipts: Receipt[]; counts: { byReason: Record<string, number> } }>(
    "GET",
    `/api/v1/partner/organizations/${org.organizationId}/receipts?pageSize=100`,
  );

describeBrowser("consent, end to end", () => {
  const { worker, visit } = useEndToEnd();

  it("charges nothing for an identify before personal consent, and exactly once after it", async (ctx) => {
    await worker().admin("POST", "/api/v1/admin/people", [
      { emailSha256: HASH, name: "Consenting Buyer", emailDomain: "example.com", jobTitle: "Buyer" },
    ]);
    const org = await seedOrganization(worker(), { productType: "B2C" });
    const { pixel } = await org.api<{ pixel: { consentMode: string } }>(
      "GET",
      `/api/v1/partner/organizations/${org.organizationId}/pixel`,
    );
    expect(pixel.consentMode).toBe("personal");
    const script = await (await fetch(scriptSrc(org.scriptTag))).text();
    const g = /"g":"([\w$]+)"/.exec(script)![1]!;

    const { page, toWorker } = await visit(ctx, org, {
      head: `${queueSnippet(g)}<script>${g}("identify", { email: ${JSON.stringify(EMAIL)} });</script>`,
    });
    // The page view arrives and is decided (a person-only organization cannot identify it without the hash).
    await vi.waitFor(async () => expect((await receipts(org)).counts.byReason.not_identified).toBe(1), {
      timeout: 15_000,
      interval: 250,
    });
    expect((await receipts(org)).receipts).toEqual([]);
    expect(toWorker.some((r) => r.body && parseHit(r.body).h === HASH)).toBe(false);
    expect((await partnerView(org)).creditsUsed).toBe(0);

    await page.evaluate((g) => (window as any)[g]("consent", { personal: true }), g);
    const charged = await vi.waitFor(
      async () => {
        const list = (await receipts(org)).receipts;
        expect(list).toHaveLength(1);
        return list[0];
      },
      { timeout: 15_000, interval: 250 },
    );
    // Who was charged is the visitor id, never the email's hash.
    expect(charged).toMatchObject({ reason: "charged", credits: 1, identity: expect.stringMatching(/^vis_/) });
    expect(JSON.stringify(await receipts(org))).not.toContain(HASH);

    // More hits of the identified visitor: recorded, never charged again.
    await page.evaluate((g) => (window as any)[g]("identify", { email: "consenting.buyer@example.com" }), g);
    await page.evaluate(() => history.pushState({}, "", "/pricing"));
    await vi.waitFor(async () => expect((await receipts(org)).counts.byReason.already_charged_this_period).toBe(1), {
      timeout: 15_000,
      interval: 250,
    });
    const view = await partnerView(org);
    expect(view.creditsUsed).toBe(1);
    expect(view.visitors).toMatchObject([{ type: "person", person: { name: "Consenting Buyer" } }]);
    expect((await receipts(org)).receipts).toHaveLength(1);
  });
});
