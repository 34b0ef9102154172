import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import type { Hit } from "../../shared/hit.ts";
import { describeBrowser } from "./support/chromium.ts";
import { GLOBAL, ofType, recordPageRequests } from "./support/hit-sink.ts";
import { usePixelHarness } from "./support/harness.ts";

const EMAIL = "  Jane.Doe+News@Example.COM ";
const HASH = createHash("sha256").update("jane.doe+news@example.com").digest("hex");
const call = (js: string) => `<script>${js.replaceAll("NAME", GLOBAL)}</script>`;

describeBrowser("identify", () => {
  const { sink, open } = usePixelHarness();

  it("delivers a queued identify as the SHA-256 of the trimmed, lowercased email, and never the email itself", async (ctx) => {
    let seen: { url: string; body: string }[] = [];
    const page = await open(ctx, {
      head: call(`NAME("identify", { email: ${JSON.stringify(EMAIL)} })`),
      before: (p) => (seen = recordPageRequests(p)),
    });
    const hits = await sink().waitFor((h) => ofType(h, "i").length === 1, "the identify");
    expect(ofType(hits, "i")[0]).toMatchObject({ t: "i", h: HASH });
    await page.evaluate(() => history.pushState({}, "", "/after"));
    const isAfter = (h: Hit) => h.t === "v" && h.u.endsWith("/after");
    const after = await sink().waitFor((h) => h.some(isAfter), "the next view");
    expect(after.find(isAfter)).toMatchObject({ h: HASH });

    expect(seen.filter((r) => r.body).length).toBeGreaterThanOrEqual(3); // the recorder saw the hits
    const needles = [
      EMAIL.trim(),
      EMAIL.trim().toLowerCase(),
      "jane.doe",
      encodeURIComponent("jane.doe+news@example.com"),
    ];
    const everything = [
      ...seen.flatMap((r) => [r.url, r.body]),
      ...sink().requests.flatMap((r) => [r.url, r.body, JSON.stringify(r.headers)]),
    ]
      .join("\n")
      .toLowerCase();
    for (const n of needles) expect(everything).not.toContain(n.toLowerCase());
  });

  it("works after load through NAME('identify', …) and NAME.identify(…), once per address and tab", async (ctx) => {
    const page = await open(ctx);
    await page.evaluate(async (g) => {
      const f = (window as any)[g];
      await f("identify", { email: "a@b.co" });
      await f.identify({ email: " A@B.co" }); // same address: not sent again
      await f.identify({ email: "c@d.co" });
    }, GLOBAL);
    const ids = ofType(await sink().settle(), "i");
    expect(ids.map((h) => h.h)).toEqual(["a@b.co", "c@d.co"].map((e) => createHash("sha256").update(e).digest("hex")));
  });

  it("keeps the hash for later page loads of the same tab", async (ctx) => {
    const page = await open(ctx);
    await page.evaluate((g) => (window as any)[g].identify({ email: "x@y.io" }), GLOBAL);
    await sink().waitFor((h) => ofType(h, "i").length === 1, "the identify");
    await page.goto(`${sink().site}/another`);
    const hits = await sink().waitFor((h) => ofType(h, "v").length === 2, "the next page's view");
    expect(ofType(hits, "v")[1]!.h).toBe(createHash("sha256").update("x@y.io").digest("hex"));
    expect(ofType(hits, "i")).toHaveLength(1);
  });

  it("ignores calls without a usable email and unknown commands, without errors", async (ctx) => {
    const errors: string[] = [];
    const page = await open(ctx, {
      head: call(`NAME("identify", {}); NAME("identify", { email: "  " }); NAME("nope", 1)`),
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.evaluate((g) => (window as any)[g].identify({ email: "not-an-email" }), GLOBAL);
    expect((await sink().settle()).map((h) => h.t)).toEqual(["v"]);
    expect(errors).toEqual([]);
  });

  it("drops identify silently outside a secure context, where crypto.subtle is missing", async (ctx) => {
    const errors: string[] = [];
    const page = await open(ctx, { host: "site.test", head: call(`NAME("identify", { email: "x@y.io" })`) });
    page.on("pageerror", (e) => errors.push(String(e)));
    expect(await page.evaluate(() => isSecureContext)).toBe(false);
    const hits = await sink().settle();
    expect(hits.map((h) => h.t)).toEqual(["v"]);
    expect(hits[0]).not.toHaveProperty("h");
    // Event ids need no secure context.
    expect(hits[0]!.i).toMatch(/^[0-9a-f]{32}$/);
    expect(errors).toEqual([]);
  });
});
