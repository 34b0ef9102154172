import { createRoute, z } from "@hono/zod-openapi";
import { groupDigits } from "../../lib/digits";
import { invalidField } from "../../lib/errors";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { requireScope } from "../auth";
import { findOrganization } from "../../organizations/organization";
import { COUNT_LIMIT, CursorQuery, MAX_OFFSET_ROWS, PageQuery, pageOf } from "../../http/schemas";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
import { ChannelSchema, DeliverySchema, DeliveryStatusSchema } from "./schemas";
import { deliveriesAfter, deliveriesAt, toDelivery } from "./queries";

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
  const { cursor, type: channel, status, organizationId, eventType, ...paging } = c.req.valid("query");
  const partnerId = c.get("partnerId");
  const { page, pageSize, offset } = pageOf(paging);
  const after = cursor === undefined ? null : decodeCursor(cursor, ["string", "string"] as const);
  if (cursor !== undefined && !after) throw invalidField("cursor", "is not a cursor this list returned");
  // Another partner's organization is a 404, as everywhere else.
  if (organizationId) await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  if (!after && offset + pageSize > MAX_OFFSET_ROWS) {
    throw invalidField(
      "page",
      `pages end ${MAX_OFFSET_ROWS} rows deep; go further with cursor (each page's nextCursor)`,
    );
  }
  const filter = { channel, status, organizationId, eventType };
  const { rows, total } = after
    ? await deliveriesAfter(c.var.tenant.DB, partnerId, filter, after, pageSize + 1)
    : await deliveriesAt(c.var.tenant.DB, partnerId, filter, offset, pageSize + 1);
  const deliveries = rows.slice(0, pageSize);
  const last = deliveries.at(-1);
  const nextCursor = rows.length > pageSize && last ? encodeCursor([last.created_at, last.id]) : null;
  const paged = after ? {} : { total, page };
  return c.json({ deliveries: deliveries.map(toDelivery), ...paged, pageSize, nextCursor }, 200);
});
