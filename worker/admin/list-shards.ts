import { createRoute, z } from "@hono/zod-openapi";
import { databaseSizes, type DatabaseSize as Size } from "../capacity/sizes";
import { commonErrors, createApi, jsonResponse } from "../http/routes";
import { countOrganizations } from "../organizations/queries";
import { partnersPerShard } from "../partners/queries";
import { everyTenant } from "../shards";

const DatabaseSize = {
  bytes: z.number().int().openapi({ description: "The database's size in bytes, as D1 reports it" }),
  limitBytes: z.number().int().openapi({ description: "D1's largest database: 10 GB" }),
  percentOfLimit: z.number().openapi({ description: "`bytes` as a percentage of `limitBytes`" }),
  alarm: z.boolean().openapi({
    description:
      "At or past `SHARD_ALARM_PERCENT` of the limit (70 % by default): the operator's webhook is sent `database.size` once a day",
  }),
};

const ShardSchema = z
  .object({
    shard: z.number().int(),
    partners: z.number().int().openapi({ description: "Partners placed on this shard" }),
    organizations: z.number().int(),
    ...DatabaseSize,
  })
  .openapi("Shard");

const route = createRoute({
  method: "get",
  path: "/shards",
  summary: "The catalog and every tenant shard: partners, organizations, size and its alarm",
  description:
    "Read from every shard at once. A shard is best kept under half of D1's 10 GB per database; new partners go to the shard with the fewest partners. " +
    "A database at or past `SHARD_ALARM_PERCENT` of the limit shows `alarm: true` (and the cron tells the operator's webhook).",
  responses: {
    200: jsonResponse(
      "The databases",
      z.object({ catalog: z.object(DatabaseSize).openapi("CatalogSize"), shards: z.array(ShardSchema) }),
    ),
    ...commonErrors,
  },
});

export const listShards = createApi().openapi(route, async (c) => {
  const counted = Promise.all(
    everyTenant(c.env).map(async (tenant) => [tenant.SHARD, await countOrganizations(tenant.DB)] as const),
  );
  const [partners, organizations, [catalogSize, ...shardSizes]] = await Promise.all([
    partnersPerShard(c.env.CATALOG),
    counted,
    databaseSizes(c.env),
  ]);
  const organizationsOf = new Map(organizations);
  return c.json(
    {
      catalog: sizeFields(catalogSize!),
      shards: shardSizes.map((size) => ({
        shard: size.shard!,
        partners: partners.get(size.shard!) ?? 0,
        organizations: organizationsOf.get(size.shard!) ?? 0,
        ...sizeFields(size),
      })),
    },
    200,
  );
});

const sizeFields = ({ bytes, limitBytes, percentOfLimit, alarm }: Size) => ({
  bytes,
  limitBytes,
  percentOfLimit,
  alarm,
});
