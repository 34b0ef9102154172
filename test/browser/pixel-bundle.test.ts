import { describe, expect, it } from "vitest";
import { renderPixel } from "../../pixel/serve.ts";
import { pixelBundle } from "./support/bundle.ts";

// Words that name the platform or that ad-block lists match on.
const FORBIDDEN = /sightline|pixel|track|analytic|collect|beacon|telemetry|visitor/i;

describe("bundle", () => {
  it("contains the __CONFIG__ placeholder exactly once", async () => {
    const { code } = await pixelBundle();
    expect(code.split("__CONFIG__")).toHaveLength(2);
  });

  it("names neither the platform nor anything ad-block lists look for (browser API names excepted)", async () => {
    const { code } = await pixelBundle();
    // navigator.sendBeacon and navigator.doNotTrack are the browser's names, not ours.
    expect(code.replace(/\b(sendBeacon|doNotTrack)\b/g, "")).not.toMatch(FORBIDDEN);
  });

  it("renders the config as data that cannot break out of a script tag", async () => {
    const { code } = await pixelBundle();
    const out = renderPixel(code, { k: "k$&$'</script><!--", e: "https://x.example/e", g: "acme", h: 1, p: 0, c: 1 });
    expect(out).not.toContain("__CONFIG__");
    expect(out).not.toMatch(/<\/script|<!--/i);
    expect(out).toContain(String.raw`"k":"k$&$'\u003c/script>\u003c!--"`);
    // Only the known keys ship, whatever else the caller's object carries.
    const extra = { k: "key12345", e: "https://x/e", g: "acme", h: 0, p: 0, c: 1, secret: "s3cr3t" } as const;
    expect(renderPixel(code, extra)).not.toContain("s3cr3t");
  });
});
