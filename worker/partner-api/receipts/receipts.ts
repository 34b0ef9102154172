import { createRoute, z } from "@hono/zod-openapi";
import { endBound, startBound, utcDay } from "../../lib/time";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { findOrganization } from "../organizations/repository";
import { DateQuery, IdParam, PageQuery, pageOf } from "../schemas";
import { CHARGE_REASONS, ReceiptSchema, RejectionSchema } from "./schemas";
import { Where } from "../../lib/sql";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/receipts",
  summary: "Why each identification attempt was or was not charged, newest first",
  request: {
    params: z.object({ organizationId: IdParam("organizationId") }),
    query: z.object({
      ...PageQuery,
      startDate: DateQuery.openapi({ description: "On or after (YYYY-MM-DD or ISO 8601)" }),
      endDate: DateQuery.openapi({ description: "On or before; a date includes the whole day" }),
      reason: z.enum(CHARGE_REASONS).optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      "A page of receipts, plus hits turned away at the edge (counted per day, no receipt each)",
      z.object({
        receipts: z.array(ReceiptSchema),
        total: z.number().int(),
        page: z.number().int(),
        pageSize: z.number().int(),
        rejections: z.array(RejectionSchema),
      }),
    ),
    ...commonErrors,
  },
});

interface ReceiptRow {
  event_id: string;
  reason: (typeof CHARGE_REASONS)[number];
  credits: number;
  identity_key: string | null;
  visitor_id: string | null;
  period_start: string | null;
  created_at: string;
  ledger_entry_id: string | null;
}

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
      .prepare(
        `SELECT i.event_id, i.reason, i.credits, i.identity_key, i.visitor_id, i.period_start, i.created_at,
           (SELECT l.id FROM ledger_entries l WHERE l.event_id = i.event_id AND l.kind = 'debit') AS ledger_entry_id
         FROM identifications i ${filter} ORDER BY i.created_at DESC, i.event_id DESC LIMIT ? OFFSET ?`,
      )
      .bind(...filter.params, pageSize, offset),
    db.prepare(`SELECT count(*) AS total FROM identifications i ${filter}`).bind(...filter.params),
    db
      .prepare(`SELECT reason, sum(count) AS count FROM rejected_hits ${rejections} GROUP BY reason ORDER BY reason`)
      .bind(...rejections.params),
  ]);
  return c.json(
    {
      receipts: (rows!.results as ReceiptRow[]).map((r) => ({
        eventId: r.event_id,
        reason: r.reason,
        credits: r.credits,
        identityType: r.identity_key ? (r.identity_key.split(":")[0] as "company" | "person") : null,
        identity: r.identity_key,
        visitorId: r.visitor_id,
        periodStart: r.period_start,
        ledgerEntryId: r.ledger_entry_id,
        createdAt: r.created_at,
      })),
      total: (count!.results[0] as { total: number }).total,
      page,
      pageSize,
      rejections: rejected!.results as { reason: "referrer_not_allowed" | "disabled"; count: number }[],
    },
    200,
  );
});
