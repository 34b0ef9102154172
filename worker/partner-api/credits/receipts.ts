import { createRoute, z } from "@hono/zod-openapi";
import { CHARGE_REASONS, type EdgeRejection } from "../../../shared/billing";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { OrganizationParams, PageFields, datedPageQuery, pageOf } from "../../http/schemas";
import { Where } from "../../lib/sql";
import { endBound, startBound, utcDay } from "../../lib/time";
import { findOrganization } from "../../organizations/organization";
import { SELECT_RECEIPT, toReceipt, type ReceiptRow } from "./queries";
import { ReceiptSchema, RejectionSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/receipts",
  summary: "Why each identification attempt was or was not charged, newest first",
  request: {
    params: OrganizationParams,
    query: z.object({ ...datedPageQuery(), reason: z.enum(CHARGE_REASONS).optional() }),
  },
  responses: {
    200: jsonResponse(
      "A page of receipts, plus hits turned away at the edge (counted per day, no receipt each)",
      z.object({ receipts: z.array(ReceiptSchema), ...PageFields, rejections: z.array(RejectionSchema) }),
    ),
    ...commonErrors,
  },
});

export const listReceipts = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const query = c.req.valid("query");
  const db = c.env.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  const { page, pageSize, offset } = pageOf(query);

  const filter = new Where("i.organization_id = ?", organizationId)
    .and("i.created_at >= ?", query.startDate && startBound(query.startDate))
    .and("i.created_at <= ?", query.endDate && endBound(query.endDate))
    .and("i.reason = ?", query.reason);
  // Rejected hits are counted per UTC day at the edge, so their filter works on whole days.
  const rejections = new Where("organization_id = ?", organizationId)
    .and("day >= ?", query.startDate && utcDay(query.startDate))
    .and("day <= ?", query.endDate && utcDay(query.endDate))
    .and("reason = ?", query.reason);

  const [rows, count, rejected] = await db.batch<unknown>([
    db
      .prepare(`${SELECT_RECEIPT} ${filter} ORDER BY i.created_at DESC, i.event_id DESC LIMIT ? OFFSET ?`)
      .bind(...filter.params, pageSize, offset),
    db.prepare(`SELECT count(*) AS total FROM identifications i ${filter}`).bind(...filter.params),
    db
      .prepare(`SELECT reason, sum(count) AS count FROM rejected_hits ${rejections} GROUP BY reason ORDER BY reason`)
      .bind(...rejections.params),
  ]);
  return c.json(
    {
      receipts: (rows!.results as ReceiptRow[]).map(toReceipt),
      total: (count!.results[0] as { total: number }).total,
      page,
      pageSize,
      rejections: rejected!.results as { reason: EdgeRejection; count: number }[],
    },
    200,
  );
});
