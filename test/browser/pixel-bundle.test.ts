import { describe, expect, it } from "vitest";
import { renderPixel } from "../../pixel/serve.ts";
import type { PixelConfig } from "../../shared/hit.ts";
import { pixelBundle } from "./support/bundle.ts";

// Words that name the platform or that ad-block lists match on.
const FORBIDDEN = /sightline|pixel|track|analytic|collect|beacon|telemetry|visitor/i;
const CONFIG: PixelConfig = { k: "key12345", e: "https://x.example/e", g: "acme", h: 0, p: 1, c: 1 };
const noHeaders = () => undefined;
const dnt = (name: string) => (name === "DNT" ? "1" : undefined);

describe("bundle", () => {
  it("builds one script per hash-routing setting, each with the __CONFIG__ placeholder exactly once", async () => {
    const { builds } = await pixelBundle();
    expect(builds[0]).not.toBe(builds[1]);
    for (const code of Object.values(builds)) expect(code.split("__CONFIG__")).toHaveLength(2);
  });

  it("serves the build of the pixel's hash-routing setting", async () => {
    const { builds } = await pixelBundle();
    for (const h of [0, 1] as const) {
      const [before, after] = builds[h].split("__CONFIG__");
      const out = renderPixel(builds, { ...CONFIG, h }, noHeaders);
      expect(out.startsWith(before!) && out.endsWith(after!)).toBe(true);
    }
  });

  it("names neither the platform nor anything ad-block lists look for (browser API names excepted)", async () => {
    const { builds } = await pixelBundle();
    // navigator.sendBeacon is the browser's name, not ours.
    const inert = renderPixel(builds, CONFIG, dnt);
    for (const code of [...Object.values(builds), inert])
      expect(code.replace(/\bsendBeacon\b/g, "")).not.toMatch(FORBIDDEN);
  });

  it("renders the config as data that cannot break out of a script tag", async () => {
    const { builds } = await pixelBundle();
    const hostile = { ...CONFIG, k: "k$&$'</script><!--", g: "a</script>" };
    const out = renderPixel(builds, hostile, noHeaders);
    expect(out).not.toContain("__CONFIG__");
    expect(out).not.toMatch(/<\/script|<!--/i);
    expect(out).toContain(String.raw`"k":"k$&$'\u003c/script>\u003c!--"`);
    expect(renderPixel(builds, hostile, dnt)).not.toMatch(/<\/script/i);
    // Only the served keys ship, whatever else the caller's object carries.
    const extra = { ...CONFIG, secret: "s3cr3t" };
    expect(renderPixel(builds, extra, noHeaders)).not.toContain("s3cr3t");
    expect(renderPixel(builds, extra, noHeaders)).not.toMatch(/"[hp]":/);
  });

  it("serves a script that sends nothing to a browser whose privacy signal the organization honours", async () => {
    const { builds } = await pixelBundle();
    const gpc = (name: string) => (name === "Sec-GPC" ? "1" : undefined);
    for (const signal of [dnt, gpc]) {
      const inert = renderPixel(builds, CONFIG, signal);
      expect(inert).not.toMatch(/sendBeacon|fetch|XMLHttpRequest|Image/);
      expect(inert).toContain('"acme"');
      // Ignored where the organization does not honour the signals, and when the signal is not "1".
      expect(renderPixel(builds, { ...CONFIG, p: 0 }, signal)).toContain("sendBeacon");
    }
    expect(renderPixel(builds, CONFIG, (name) => (name === "DNT" ? "0" : undefined))).toContain("sendBeacon");
  });
});
