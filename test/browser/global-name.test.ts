import { expect, it } from "vitest";
import { GlobalNameSchema } from "../../worker/partners/schemas.ts";
import { describeBrowser, useBrowser } from "./support/chromium.ts";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,31}$/;

describeBrowser("the script's global name in a real browser", () => {
  const browser = useBrowser();

  it("L6: refuses every property a fresh Chromium window has, in secure and insecure pages alike", async () => {
    const taken = new Set<string>();
    for (const url of ["https://client.example/", "http://client.example/"]) {
      const page = await browser().newPage();
      await page.route("**/*", (route) =>
        route.fulfill({ contentType: "text/html", body: "<!doctype html><title>client</title>" }),
      );
      await page.goto(url);
      const names = await page.evaluate(() => {
        const found: string[] = [];
        for (let o: object | null = window; o; o = Object.getPrototypeOf(o))
          found.push(...Object.getOwnPropertyNames(o));
        return found;
      });
      for (const name of names) if (IDENTIFIER.test(name)) taken.add(name);
      await page.close();
    }
    expect(taken.size).toBeGreaterThan(900);
    const accepted = [...taken].filter((name) => GlobalNameSchema.safeParse(name).success).sort();
    // A name listed here is a global of this Chromium that the Worker would let a partner overwrite:
    // add it to shared/window-names.ts.
    expect(accepted).toEqual([]);
  });

  it("L6: accepts a name the page does not have, and it stays free in the browser", async () => {
    expect(GlobalNameSchema.safeParse("_acmeQ").success).toBe(true);
    const page = await browser().newPage();
    await page.route("**/*", (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html>" }));
    await page.goto("https://client.example/");
    expect(await page.evaluate(() => "_acmeQ" in window)).toBe(false);
    await page.close();
  });
});
