/**
 * Renders the served script: the bundle with its `__CONFIG__` identifier
 * replaced by the organization's config. Runs in the Worker (no DOM, no Node).
 */
import type { PixelConfig } from "../shared/hit";

export function renderPixel(bundle: string, config: PixelConfig): string {
  // Copy only the known keys, so extra fields of a database row never ship to browsers.
  const json = JSON.stringify({
    k: config.k,
    e: config.e,
    g: config.g,
    h: config.h ? 1 : 0,
    p: config.p ? 1 : 0,
    // Anything but a known level gates everything, the safe side.
    c: config.c === 1 || config.c === 2 ? config.c : 0,
  })
    // `<` as \u003c: no `</script>` or `<!--` when the script is inlined in HTML.
    // U+2028/2029 are escaped for engines older than ES2019 that reject them in strings.
    .replace(/[<\u2028\u2029]/g, (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"));
  if (!bundle.includes("__CONFIG__")) throw new Error("renderPixel: bundle has no __CONFIG__");
  // A replacer function: `$&` or `$'` inside the config must stay literal text.
  return bundle.replace("__CONFIG__", () => json);
}
