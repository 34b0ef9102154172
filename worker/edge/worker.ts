import { Hono } from "hono";
import type { AppEnv, Env } from "../env";
import { handleError, routeNotFound } from "../lib/error-response";
import { edge } from ".";

/**
 * The edge Worker (wrangler.edge.toml): the pixel path alone, so a cold start on a client's page
 * costs about a bare Worker's. Production routes send `/e` and `/s/*` here; the main Worker serves
 * the same paths too, for `npm start`, the tests and a workers.dev deployment (docs/architecture.md).
 */
const app = new Hono<AppEnv>();
app.onError(handleError);
app.notFound(routeNotFound);
app.get("/health", (c) => c.json({ ok: true }));
app.route("/", edge);

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
