import { createRoute, z } from "@hono/zod-openapi";
import { CHARGE_REASONS, EDGE_REJECTIONS, type ChargeReason } from "../../../shared/billing";
import { OUTCOME_COLUMN } from "../../collect/rollups";
import { invalidField } from "../../lib/errors";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import {
  COUNT_LIMIT,
  CursorFields,
  CursorQuery,
  OrganizationParams,
  PageFields,
  datedPageQuery,
  pageOf,
} from "../../http/schemas";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
import { endBound, startBound, unixSeconds, utcDay } from "../../lib/time";
import { findOrganization } from "../../organizations/organization";
import { SELECT_RECEIPT, toReceipt, type ReceiptRow } from "./queries";
import { OutcomeCountsSchema, ReceiptSchema, RejectionSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/receipts",
  summary: "The receipt of every charge, newest first, and every other outcome counted per day",
  request: {
    params: OrganizationParams,
    query: z.object({ ...datedPageQuery(), ...CursorQuery, reason: z.enum(CHARGE_REASONS).optional() }),
  },
  responses: {
    200: jsonResponse(
      "A page of charges' receipts, with the hits of every outcome counted per day over the same days",
      z.object({
        receipts: z.array(ReceiptSchema),
        ...PageFields,
        ...CursorFields,
        counts: OutcomeCountsSchema,
        rejections: z.array(RejectionSchema),
      }),
    ),
    ...commonErrors,
  },
});

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

export const listReceipts = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const query = c.req.valid("query");
  const db = c.var.tenant.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  const { page, pageSize, offset } = pageOf(query);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, ["number", "string"] as const);
  if (query.cursor !== undefined && !after) throw invalidField("cursor", "not a cursor of this list");

  // Charges are the only receipts; any other reason has counts only.
  const charges = query.reason === undefined || query.reason === "charged";
  const where = ["c.org = (SELECT key FROM organization_keys WHERE organization_id = ?1)"];
  const params: unknown[] = [];
  if (query.startDate) {
    where.push("c.at >= ?");
    params.push(unixSeconds(Date.parse(startBound(query.startDate))));
  }
  if (query.endDate) {
    where.push("c.at <= ?");
    params.push(unixSeconds(Date.parse(endBound(query.endDate))));
  }
  if (!charges) where.push("false");
  const filter = `WHERE ${where.join(" AND ")}`;
  const keyset = after ? " AND (c.at, c.event_id) < (?, ?)" : "";
  // Over whole days the rollups know how many charges there are; a timestamp bound counts them.
  const wholeDays = [query.startDate, query.endDate].every((d) => d === undefined || BARE_DATE.test(d));
  const from = query.startDate ? utcDay(query.startDate) : null;
  const to = query.endDate ? utcDay(query.endDate) : null;
  const days = "organization_id = ? AND day >= coalesce(?, '') AND day <= coalesce(?, '9999')";

  const [rows, counted, rollup] = await db.batch<Record<string, unknown>>([
    db
      .prepare(`${SELECT_RECEIPT} ${filter}${keyset} ORDER BY c.at DESC, c.event_id DESC LIMIT ? OFFSET ?`)
      .bind(organizationId, ...params, ...(after ?? []), pageSize + 1, after ? 0 : offset),
    wholeDays || !charges
      ? db.prepare("SELECT 0 AS total")
      : db
          .prepare(`SELECT count(*) AS total FROM (SELECT 1 FROM charges c ${filter} LIMIT ${COUNT_LIMIT})`)
          .bind(organizationId, ...params),
    db
      .prepare(
        `SELECT ${CHARGE_REASONS.map((r) => `coalesce(sum(${OUTCOME_COLUMN[r]}), 0) AS ${r}`).join(", ")}
         FROM usage_daily WHERE ${days}`,
      )
      .bind(organizationId, from, to),
  ]);
  const byReason = rollup!.results[0] as Record<ChargeReason, number>;
  const found = rows!.results as unknown as ReceiptRow[];
  const receipts = found.slice(0, pageSize);
  const last = receipts.at(-1);
  const total = !charges ? 0 : wholeDays ? byReason.charged : (counted!.results[0] as { total: number }).total;
  return c.json(
    {
      receipts: receipts.map((r) => toReceipt(organizationId, r)),
      total,
      page,
      pageSize,
      nextCursor: found.length > pageSize && last ? encodeCursor([last.at, last.event_id]) : null,
      counts: { byReason, from, to },
      rejections: EDGE_REJECTIONS.filter((r) => byReason[r] > 0 && (query.reason ?? r) === r).map((reason) => ({
        reason,
        count: byReason[reason],
      })),
    },
    200,
  );
});
