/**
 * Renders the served script: the build for the pixel's settings with its `__CONFIG__`
 * identifier replaced by the organization's config. Runs in the Worker (no DOM, no Node).
 */
import type { PixelConfig } from "../shared/hit";

/** The builds of the script, by hash routing (`h`), as pixel/build.ts writes them. */
export type PixelBuilds = Readonly<Record<PixelConfig["h"], string>>;

/** Request headers by which a browser asks not to be tracked: Do-Not-Track and Global Privacy Control. */
export const PRIVACY_SIGNAL_HEADERS = ["DNT", "Sec-GPC"] as const;

/**
 * The script for one request. A browser that sends a privacy signal the organization honours
 * (`p`) gets a script that installs the site's API and sends nothing, so the page's own calls
 * still work; the response then varies by those headers (see worker/edge/script-route.ts).
 */
export function renderPixel(
  builds: PixelBuilds,
  config: PixelConfig,
  requestHeader: (name: string) => string | null | undefined,
): string {
  if (config.p && PRIVACY_SIGNAL_HEADERS.some((name) => requestHeader(name) === "1")) {
    return `(()=>{let a=window[${scriptJson(config.g)}]=()=>{};a.identify=a.consent=a.optOut=a})();`;
  }
  const bundle = builds[config.h ? 1 : 0];
  if (!bundle.includes("__CONFIG__")) throw new Error("renderPixel: bundle has no __CONFIG__");
  // Copy only the served keys, so extra fields of a database row never ship to browsers.
  // Anything but a known consent level gates everything, the safe side.
  const served = { k: config.k, e: config.e, g: config.g, c: config.c === 1 || config.c === 2 ? config.c : 0 };
  // A replacer function: `$&` or `$'` inside the config must stay literal text.
  return bundle.replace("__CONFIG__", () => scriptJson(served));
}

/**
 * JSON that is safe inside a script: `<` as \u003c, so no `</script>` or `<!--` when the script
 * is inlined in HTML; U+2028/2029 escaped for engines older than ES2019 that reject them in strings.
 */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<\u2028\u2029]/g,
    (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}
