import { Hono } from "hono";
import { adminApi } from "./admin";
import type { AppEnv } from "./env";
import { createApi } from "./http/routes";
import { handleError, routeNotFound } from "./lib/error-response";
import { partnerApi, partnerApiDocument } from "./partner-api";
import { platformHostOnly } from "./partners/platform-host";
import { cloudflareHooks } from "./platform-hooks/cloudflare";

/**
 * The APIs room: the partner API, the operator API and the public OpenAPI document, under
 * `/api/v1`, on the platform's hosts only. Loaded on the first API request of an isolate (worker/index.ts): building the routes
 * and their documents is most of the Worker's startup (docs/architecture.md#cold-start).
 */
const v1 = createApi();
v1.route("/partner", partnerApi);
v1.route("/admin", adminApi);
v1.route("/", cloudflareHooks);
// Public: the partner API only. The operator API's document is at /admin/openapi.json, behind the operator key.
v1.get("/openapi.json", (c) => c.json(partnerApiDocument(new URL(c.req.url).origin)));

export const apis = new Hono<AppEnv>();
apis.onError(handleError);
apis.notFound(routeNotFound);
apis.use("*", platformHostOnly);
apis.route("/api/v1", v1);
