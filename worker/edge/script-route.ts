import { Hono } from "hono";
import { PIXEL_BUILDS } from "../../pixel/dist/bundle";
import { PRIVACY_SIGNAL_HEADERS, renderPixel } from "../../pixel/serve";
import { CONSENT_LEVEL_OF_MODE, HIT_PATH, SCRIPT_PATH_PREFIX } from "../../shared/hit";
import type { AppEnv } from "../env";
import { isPixelKey } from "../pixel-config/key";
import { loadPixelRecord } from "../pixel-config/record";
import { clientAddress } from "../rate-limit/address";
import { BASE_HEADER, hitEndpoint } from "./forwarded-address";

/** Browsers and CDNs may keep the script this long; a disable or enable shows within it (plus KV's ~60 s). */
const SCRIPT_MAX_AGE = 300;
/** An empty script is cached briefly, so re-enabling an organization takes effect soon. */
const EMPTY_MAX_AGE = 60;

/**
 * `GET /s/{pixelKey}.js`: the pixel with its configuration. Unknown, disabled and canceled
 * keys get an empty script with 200, never an error page on the client's site.
 */
export const scriptRoute = new Hono<AppEnv>().get(`${SCRIPT_PATH_PREFIX}:file`, async (c) => {
  const file = c.req.param("file");
  c.header("content-type", "application/javascript; charset=utf-8");
  c.header("access-control-allow-origin", "*");
  const key = file.endsWith(".js") ? file.slice(0, -3) : "";
  const record = isPixelKey(key)
    ? await loadPixelRecord(c.env, c.executionCtx, key, clientAddress(c.req.raw.headers))
    : null;
  if (!record?.enabled) {
    c.header("cache-control", `public, max-age=${EMPTY_MAX_AGE}`);
    return c.body("");
  }
  c.header("cache-control", `public, max-age=${SCRIPT_MAX_AGE}`);
  // Browsers sending Do-Not-Track or GPC get a script that sends nothing, so caches must keep them apart.
  const vary: string[] = record.respectPrivacySignals ? [...PRIVACY_SIGNAL_HEADERS] : [];
  // Hits go back to the origin the script came from (so a partner's own domain works unchanged), or
  // to a first-party proxy's path on the client's site.
  const endpoint = hitEndpoint(c.req.raw.headers, new URL(c.req.url).origin, HIT_PATH);
  if (c.req.header(BASE_HEADER) !== undefined) vary.push("X-Client-Base");
  if (vary.length > 0) c.header("vary", vary.join(", "));
  return c.body(
    renderPixel(
      PIXEL_BUILDS,
      {
        k: key,
        e: endpoint,
        g: record.globalName,
        h: record.hashRouting ? 1 : 0,
        p: record.respectPrivacySignals ? 1 : 0,
        c: CONSENT_LEVEL_OF_MODE[record.consentMode],
      },
      (name) => c.req.header(name),
    ),
  );
});
