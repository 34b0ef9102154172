/**
 * End to end: calls a site makes before the script has loaded (the queue snippet) reach
 * the real Worker, and a B2C organization sees the identified person.
 */
import { createHash } from "node:crypto";
import { expect, it, vi } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { parseHit } from "./support/hit-sink.ts";
import { queueSnippet, scriptSrc, useEndToEnd } from "./support/site.ts";
import { partnerView, seedOrganization } from "./support/worker.ts";

const EMAIL = "Jane.Buyer@Example.com";
const sha256 = (s: string) => createHash("sha256").update(s.trim().toLowerCase()).digest("hex");

describeBrowser("calls queued before the script loaded", () => {
  const { worker, visit } = useEndToEnd();

  it("delivers an identify queued before the script loaded, and the visitor is the person", async (ctx) => {
    await worker().admin("POST", "/api/v1/admin/people", [
      { emailSha256: sha256(EMAIL), name: "Jane Buyer", emailDomain: "example.com", jobTitle: "Buyer" },
    ]);
    const org = await seedOrganization(worker(), { productType: "B2C" });
    // The global the served script installs, read from the script itself (partners may rename it).
    const script = await (await fetch(scriptSrc(org.scriptTag))).text();
    const g = /"g":"([\w$]+)"/.exec(script)?.[1];
    expect(g).toBeTruthy();
    const { toWorker } = await visit(ctx, org, {
      path: "/checkout",
      // The default consent mode ("personal"): the site grants personal consent, here before the script loads.
      head: `${queueSnippet(g!)}<script>${g}("consent", { personal: true }); ${g}("identify", { email: " ${EMAIL} " });</script>`,
    });

    const { visitors, creditsUsed } = await vi.waitFor(
      async () => {
        const view = await partnerView(org);
        expect(view.total).toBe(1);
        return view;
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(visitors[0]).toMatchObject({ type: "person", person: { name: "Jane Buyer" }, company: null });
    expect(creditsUsed).toBe(1);
    // Only the hash left the page.
    expect(toWorker.some((r) => r.body && parseHit(r.body).h === sha256(EMAIL))).toBe(true);
    expect(toWorker.some((r) => /jane/i.test(r.url + r.body))).toBe(false);
  });
});
