import { describe, expect, it } from "vitest";
import { GZIP_BUDGET } from "../../pixel/build.ts";
import { pixelBundle } from "./support/bundle.ts";

describe("size", () => {
  it(`stays within ${GZIP_BUDGET} B min+gzip`, async () => {
    const { raw, gzip, brotli } = await pixelBundle();
    console.log(
      `pixel: ${raw} B min, ${gzip} B min+gzip -9, ${brotli} B brotli (budget ${GZIP_BUDGET} B, goal 1024 B)`,
    );
    expect(gzip).toBeLessThanOrEqual(GZIP_BUDGET);
  });
});
