import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { onPlatformHost } from "./custom-domain";

/**
 * The script and hits answer on every host; the APIs, `/app` and `/demo` on the platform's hosts
 * only, so a partner's domain serves that partner's dashboards and nothing of anyone else
 * (security audit N1). Elsewhere these paths do not exist.
 */
export const platformHostOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!(await onPlatformHost(c.env, c.req.url))) {
    throw new ApiError("NotFound", `No route for ${c.req.method} ${c.req.path}`);
  }
  await next();
};
