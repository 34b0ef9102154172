import { Hono } from "hono";
import type { AppEnv } from "../env";
import { hitRoute } from "./hit-route";
import { scriptRoute } from "./script-route";

/**
 * The edge: the pixel path every page view of every client site reaches, `GET /s/{key}.js` and
 * `POST /e`. Served by the main Worker (worker/index.ts) and by the edge Worker of its own
 * (worker/edge/worker.ts, wrangler.edge.toml), so it imports only what a hit runs: no zod, no
 * OpenAPI layer, no front-end (test/architecture keeps it so; docs/architecture.md).
 */
export const edge = new Hono<AppEnv>().route("/", scriptRoute).route("/", hitRoute);
