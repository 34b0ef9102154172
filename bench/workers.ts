/**
 * Bench-only Workers, run in the same workerd process as the product Worker (never deployed,
 * no production route): the 204 baseline and a driver for the credit counter.
 * Reached through Miniflare's entry like the product (route by Host header).
 */
import type { V4WorkerOptions } from "miniflare";

export const BARE_HOST = "bare.bench";
export const DO_HOST = "counter.bench";

const compat = { compatibilityDate: "2026-11-01" };

/** The baseline: the cheapest possible route, an empty 204. */
export const bareWorker: V4WorkerOptions = {
  ...compat,
  name: "bench-bare",
  modules: true,
  script: `export default { fetch() { return new Response(null, { status: 204 }); } };`,
  routes: [`${BARE_HOST}/*`],
};

/**
 * Drives one organization's CreditCounter (the product's Durable Object class, bound by
 * script name) from inside workerd, so no Node round trip is in the figures (the bench seeds its
 * organizations on shard 1; a counter is named `<shard>/<organization id>`):
 * `GET /?org=<id>&op=charge|charge100|balance&n=<calls>&c=<in flight>` → { ms, calls }.
 */
export const counterDriverWorker: V4WorkerOptions = {
  ...compat,
  name: "bench-counter",
  modules: true,
  durableObjects: { CREDITS: { className: "CreditCounter", scriptName: "sightline" } },
  routes: [`${DO_HOST}/*`],
  script: `
export default {
  async fetch(request, env) {
    const q = new URL(request.url).searchParams;
    const org = q.get("org"), op = q.get("op"), n = Number(q.get("n")), c = Number(q.get("c"));
    const stub = env.CREDITS.get(env.CREDITS.idFromName("1/" + org));
    const run = q.get("run") ?? "r";
    let next = 0, debits = 0;
    const call = async (k) => {
      if (op === "balance") return void (await stub.balance());
      const size = op === "charge100" ? 100 : 1;
      const reqs = [];
      for (let j = 0; j < size; j++) {
        const id = run + "-" + k + "-" + j;
        reqs.push({ eventId: id, identity: "company:bench-" + id, at: Date.now() });
      }
      const out = await stub.charge(reqs);
      debits += out.filter((o) => o.reason === "charged").length;
    };
    const lane = async () => { while (next < n) await call(next++); };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: c }, lane));
    return Response.json({ ms: Date.now() - t0, calls: n, debits });
  },
};`,
};
