import { createRoute, z } from "@hono/zod-openapi";
import { CHARGE_REASONS, EDGE_REJECTIONS } from "../../../shared/billing";
import { invalidField } from "../../lib/errors";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { CursorFields, CursorQuery, OrganizationParams, PageFields, datedPageQuery, pageOf } from "../../http/schemas";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
import { findOrganization } from "../../organizations/organization";
import { receiptPage, toReceipt } from "./queries";
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

export const listReceipts = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const { cursor, startDate, endDate, reason, ...paging } = c.req.valid("query");
  await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
  const { page, pageSize, offset } = pageOf(paging);
  const after = cursor === undefined ? null : decodeCursor(cursor, ["number", "string"] as const);
  if (cursor !== undefined && !after) throw invalidField("cursor", "not a cursor of this list");
  // Charges are the only receipts; any other reason has counts only.
  const charges = reason === undefined || reason === "charged";
  const query = { startDate, endDate, charges, after, offset, limit: pageSize + 1 };
  const { rows, total, byReason, from, to } = await receiptPage(c.var.tenant.DB, organizationId, query);
  const receipts = rows.slice(0, pageSize);
  const last = receipts.at(-1);
  return c.json(
    {
      receipts: receipts.map((r) => toReceipt(organizationId, r)),
      total,
      page,
      pageSize,
      nextCursor: rows.length > pageSize && last ? encodeCursor([last.at, last.event_id]) : null,
      counts: { byReason, from, to },
      rejections: EDGE_REJECTIONS.filter((r) => byReason[r] > 0 && (reason ?? r) === r).map((r) => ({
        reason: r,
        count: byReason[r],
      })),
    },
    200,
  );
});
