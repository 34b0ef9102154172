import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../http/routes";
import { everyTenant } from "../shards";

const DatabaseSize = z.number().int().openapi({ description: "The database's size in bytes, as D1 reports it" });

const ShardSchema = z
  .object({
    shard: z.number().int(),
    partners: z.number().int().openapi({ description: "Partners placed on this shard" }),
    organizations: z.number().int(),
    bytes: DatabaseSize,
  })
  .openapi("Shard");

const route = createRoute({
  method: "get",
  path: "/shards",
  summary: "The catalog and every tenant shard: partners, organizations and size",
  description:
    "Read from every shard at once. A shard is best kept under half of D1's 10 GB per database; new partners go to the shard with the fewest partners.",
  responses: {
    200: jsonResponse(
      "The databases",
      z.object({ catalog: z.object({ bytes: DatabaseSize }), shards: z.array(ShardSchema) }),
    ),
    ...commonErrors,
  },
});

export const listShards = createApi().openapi(route, async (c) => {
  const placed = c.env.CATALOG.prepare("SELECT shard, count(*) AS partners FROM partners GROUP BY shard").all<{
    shard: number;
    partners: number;
  }>();
  const [catalog, shards] = await Promise.all([
    placed,
    Promise.all(
      everyTenant(c.env).map(async (tenant) => {
        const counted = await tenant.DB.prepare("SELECT count(*) AS n FROM organizations").all<{ n: number }>();
        return { shard: tenant.SHARD, organizations: counted.results[0]?.n ?? 0, bytes: counted.meta.size_after };
      }),
    ),
  ]);
  const partners = new Map(catalog.results.map((r) => [r.shard, r.partners]));
  return c.json(
    {
      catalog: { bytes: catalog.meta.size_after },
      shards: shards.map((s) => ({ ...s, partners: partners.get(s.shard) ?? 0 })),
    },
    200,
  );
});
