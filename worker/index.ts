import { Hono } from "hono";
import { adminApi } from "./admin";
import { hitRoute } from "./collect/hit-route";
import { scriptRoute } from "./collect/script-route";
import { consumeHits } from "./collect/consume";
import { demoSite } from "./demo/site";
import type { AppEnv, Env } from "./env";
import { ApiError, handleError } from "./http/errors";
import { createApi } from "./http/openapi";
import { partnerApi } from "./partner-api";
import type { HitMessage } from "./collect/message";

export { CreditCounter } from "./credits/counter";

const api = createApi();
api.route("/partner", partnerApi);
api.route("/admin", adminApi);
api.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: { title: "Partner API", version: "1.0.0", description: "Manage sub-organizations, pixels, credits and visitors." },
});

const app = new Hono<AppEnv>();
app.onError(handleError);
app.notFound((c) => handleError(new ApiError("NotFound", `No route for ${c.req.method} ${c.req.path}`), c));
app.get("/health", (c) => c.json({ ok: true }));
app.route("/", scriptRoute);
app.route("/", hitRoute);
app.route("/api/v1", api);
app.route("/demo", demoSite);

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    await consumeHits(batch, env);
  },
} satisfies ExportedHandler<Env, HitMessage>;
