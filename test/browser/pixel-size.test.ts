import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { GZIP_BUDGET } from "../../pixel/build.ts";
import { pixelBundle } from "./support/bundle.ts";

describe("size", () => {
  it(`stays within ${GZIP_BUDGET} B min+gzip in every build`, async () => {
    const { raw, gzip, brotli, builds } = await pixelBundle();
    console.log(
      `pixel, larger build: ${raw} B min, ${gzip} B min+gzip -9, ${brotli} B brotli (budget ${GZIP_BUDGET} B)`,
    );
    for (const code of Object.values(builds))
      expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(GZIP_BUDGET);
    expect(gzip).toBeLessThanOrEqual(GZIP_BUDGET);
  });
});
