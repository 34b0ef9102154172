import { Hono } from "hono";
import { edge } from "./edge";
import type { AppEnv, Env } from "./env";
import { handleError, routeNotFound } from "./lib/error-response";

/**
 * The Worker, in four rooms (docs/architecture.md). The edge (the pixel path) and the Durable
 * Objects are loaded with the Worker; the APIs, the dashboards and the background work load on
 * their first use in an isolate, so a cold start on a client's page, or of a credit counter, does
 * not build the APIs and their documents. esbuild keeps each `import()` in the one bundle, as a
 * module that runs when first called.
 */
export { CreditCounter } from "./credits/counter";
export { HitCollector } from "./collect/hit-collector";
export { CreditPool } from "./credits/pool";
export { RateLimiter } from "./rate-limit/limiter";

/** A room, loaded once per isolate on first use. */
const room = <T>(load: () => Promise<T>) => {
  let loading: Promise<T> | undefined;
  return () => (loading ??= load());
};
const apis = room(() => import("./api").then((m) => m.apis));
const dashboards = room(() => import("./dashboards").then((m) => m.dashboards));
const background = room(() => import("./background"));

const app = new Hono<AppEnv>();
app.onError(handleError);
app.notFound(routeNotFound);
app.get("/health", (c) => c.json({ ok: true }));
app.route("/", edge);
app.all("/api/v1/*", async (c) => (await apis()).fetch(c.req.raw, c.env, c.executionCtx));
app.all("*", async (c) => (await dashboards()).fetch(c.req.raw, c.env, c.executionCtx));

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await (await background()).consumeBatch(batch as MessageBatch<never>, env);
  },
  async scheduled(controller, env, _ctx) {
    await (await background()).runCron(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
