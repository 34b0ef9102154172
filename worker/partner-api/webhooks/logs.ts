import { createRoute, z } from "@hono/zod-openapi";
import { groupDigits } from "../../lib/digits";
import { invalidField } from "../../lib/errors";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import type { DeliveryRow } from "../../webhooks/deliver";
import { requireScope } from "../auth";
import { findOrganization } from "../../organizations/organization";
import { COUNT_LIMIT, CursorQuery, MAX_OFFSET_ROWS, PageQuery, pageOf } from "../../http/schemas";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
import { ChannelSchema, DeliverySchema, DeliveryStatusSchema } from "./schemas";
import { toDelivery } from "./queries";

const route = createRoute({
  method: "get",
  path: "/webhooks/logs",
  summary: "List webhook deliveries, newest first (admin scope)",
  description:
    "Per-attempt details (status code, error, latency) are at `GET /webhooks/logs/{deliveryId}`. Page by `page` (with `total`, counted up to " +
    `${groupDigits(COUNT_LIMIT)}; pages end ` +
    `${groupDigits(MAX_OFFSET_ROWS)} rows deep) or, for any depth, by \`cursor\`: pass the previous page's \`nextCursor\` ` +
    "(no `total` then). Every page carries `nextCursor`, null on the last.",
  middleware: [requireScope("admin")] as const,
  request: {
    query: z.object({
      ...PageQuery,
      cursor: CursorQuery.cursor.openapi({
        description:
          "Where the previous page ended: its `nextCursor`. Pages by position instead of number: no `total`, no offset, as fast on the last page as on the first.",
      }),
      type: ChannelSchema.optional(),
      status: DeliveryStatusSchema.optional(),
      organizationId: z.string().min(1).max(64).optional(),
      eventType: z.string().max(64).optional().openapi({ example: "usage.recorded" }),
    }),
  },
  responses: {
    200: jsonResponse(
      "A page of deliveries",
      z.object({
        deliveries: z.array(DeliverySchema),
        total: z.number().int().optional().openapi({ description: "With `page` only" }),
        page: z.number().int().optional().openapi({ description: "With `page` only" }),
        pageSize: z.number().int(),
        nextCursor: z.string().nullable().openapi({ description: "The `cursor` of the next page; null on the last" }),
      }),
    ),
    ...commonErrors,
  },
});

export const listWebhookLogs = createApi().openapi(route, async (c) => {
  const query = c.req.valid("query");
  const partnerId = c.get("partnerId");
  const { page, pageSize, offset } = pageOf(query);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, ["string", "string"] as const);
  if (query.cursor !== undefined && !after) throw invalidField("cursor", "is not a cursor this list returned");
  // Another partner's organization is a 404, as everywhere else.
  if (query.organizationId) await findOrganization(c.var.tenant.DB, partnerId, query.organizationId);
  const where = ["partner_id = ?"];
  const params: unknown[] = [partnerId];
  const filters = {
    channel: query.type,
    status: query.status,
    organization_id: query.organizationId,
    event_type: query.eventType,
  };
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  const filter = `WHERE ${where.join(" AND ")}`;
  const db = c.var.tenant.DB;
  const order = "ORDER BY created_at DESC, id DESC";
  const next = (rows: DeliveryRow[], more: boolean) =>
    more && rows.length > 0 ? encodeCursor([rows.at(-1)!.created_at, rows.at(-1)!.id]) : null;

  if (after) {
    // Keyset: the index (partner_id, created_at DESC, id DESC) is walked from the cursor on; nothing is counted.
    const { results } = await db
      .prepare(`SELECT * FROM webhook_deliveries ${filter} AND (created_at, id) < (?, ?) ${order} LIMIT ?`)
      .bind(...params, after[0], after[1], pageSize + 1)
      .all<DeliveryRow>();
    const rows = results.slice(0, pageSize);
    return c.json(
      { deliveries: rows.map(toDelivery), pageSize, nextCursor: next(rows, results.length > pageSize) },
      200,
    );
  }

  if (offset + pageSize > MAX_OFFSET_ROWS) {
    throw invalidField(
      "page",
      `pages end ${MAX_OFFSET_ROWS} rows deep; go further with cursor (each page's nextCursor)`,
    );
  }
  // The total is counted up to COUNT_LIMIT: a large log is paged with cursors, never counted whole.
  const [rows, count] = await db.batch<DeliveryRow | { total: number }>([
    db
      .prepare(`SELECT * FROM webhook_deliveries ${filter} ${order} LIMIT ? OFFSET ?`)
      .bind(...params, pageSize + 1, offset),
    db
      .prepare(`SELECT count(*) AS total FROM (SELECT 1 FROM webhook_deliveries ${filter} LIMIT ${COUNT_LIMIT})`)
      .bind(...params),
  ]);
  const total = (count!.results[0] as { total: number }).total;
  const found = rows!.results as DeliveryRow[];
  const deliveries = found.slice(0, pageSize);
  return c.json(
    {
      deliveries: deliveries.map(toDelivery),
      total,
      page,
      pageSize,
      nextCursor: next(deliveries, found.length > pageSize),
    },
    200,
  );
});
