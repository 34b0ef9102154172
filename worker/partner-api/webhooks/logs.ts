import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import type { DeliveryRow } from "../../webhooks/deliver";
import { requireScope } from "../auth";
import { findOrganization } from "../../organizations/organization";
import { PageFields, PageQuery, pageOf } from "../../http/schemas";
import { ChannelSchema, DeliverySchema, DeliveryStatusSchema } from "./schemas";
import { toDelivery } from "./queries";

const route = createRoute({
  method: "get",
  path: "/webhooks/logs",
  summary: "List webhook deliveries, newest first (admin scope)",
  description: "Per-attempt details (status code, error, latency) are at `GET /webhooks/logs/{deliveryId}`.",
  middleware: [requireScope("admin")] as const,
  request: {
    query: z.object({
      ...PageQuery,
      type: ChannelSchema.optional(),
      status: DeliveryStatusSchema.optional(),
      organizationId: z.string().min(1).max(64).optional(),
      eventType: z.string().max(64).optional().openapi({ example: "usage.recorded" }),
    }),
  },
  responses: {
    200: jsonResponse("A page of deliveries", z.object({ deliveries: z.array(DeliverySchema), ...PageFields })),
    ...commonErrors,
  },
});

export const listWebhookLogs = createApi().openapi(route, async (c) => {
  const query = c.req.valid("query");
  const partnerId = c.get("partnerId");
  const { page, pageSize, offset } = pageOf(query);
  // Another partner's organization is a 404, as everywhere else.
  if (query.organizationId) await findOrganization(c.env.DB, partnerId, query.organizationId);
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
  const [rows, count] = await c.env.DB.batch<DeliveryRow | { total: number }>([
    c.env.DB.prepare(
      `SELECT * FROM webhook_deliveries ${filter} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
    ).bind(...params, pageSize, offset),
    c.env.DB.prepare(`SELECT count(*) AS total FROM webhook_deliveries ${filter}`).bind(...params),
  ]);
  const total = (count.results[0] as { total: number }).total;
  return c.json({ deliveries: (rows.results as DeliveryRow[]).map(toDelivery), total, page, pageSize }, 200);
});
