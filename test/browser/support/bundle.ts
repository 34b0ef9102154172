/**
 * The pixel bundle for the browser tests, built from source in memory so a test
 * never runs against a stale pixel/dist. When pixel/dist is missing it is written
 * too, for suites that import pixel/dist/bundle.ts (the Worker).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildPixel, DIST, type PixelBuild } from "../../../pixel/build.ts";

let built: Promise<PixelBuild> | undefined;

export function pixelBundle(): Promise<PixelBuild> {
  const missing = ["pixel-h0.min.js", "pixel-h1.min.js", "bundle.ts"].some((f) => !existsSync(join(DIST, f)));
  built ??= buildPixel({ write: missing });
  return built;
}
