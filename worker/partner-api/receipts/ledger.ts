import { createRoute, z } from "@hono/zod-openapi";
import { LEDGER_KINDS, type LedgerKind } from "../../credits/ledger";
import { endBound, startBound } from "../../lib/time";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { findOrganization } from "../organizations/repository";
import { DateQuery, IdParam, PageQuery, pageOf } from "../schemas";
import { LedgerEntrySchema } from "./schemas";
import { Where } from "../../lib/sql";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/ledger",
  summary: "Every credit movement of the organization, newest first",
  request: {
    params: z.object({ organizationId: IdParam("organizationId") }),
    query: z.object({
      ...PageQuery,
      startDate: DateQuery.openapi({ description: "On or after (YYYY-MM-DD or ISO 8601)" }),
      endDate: DateQuery.openapi({ description: "On or before; a date includes the whole day" }),
      kind: z.enum(LEDGER_KINDS).optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      "A page of ledger entries",
      z.object({
        entries: z.array(LedgerEntrySchema),
        total: z.number().int(),
        page: z.number().int(),
        pageSize: z.number().int(),
      }),
    ),
    ...commonErrors,
  },
});

interface EntryRow {
  id: string;
  organization_id: string;
  seq: number;
  kind: LedgerKind;
  credits: number;
  allocation: number;
  balance_after: number;
  period_start: string;
  period_end: string;
  event_id: string | null;
  identity_key: string | null;
  note: string | null;
  details: string | null;
  created_at: string;
}

export const listLedger = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const query = c.req.valid("query");
  const db = c.env.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  const { page, pageSize, offset } = pageOf(query);

  const filter = new Where("organization_id = ?", organizationId)
    .and("created_at >= ?", query.startDate && startBound(query.startDate))
    .and("created_at <= ?", query.endDate && endBound(query.endDate))
    .and("kind = ?", query.kind);
  const [rows, count] = await db.batch<unknown>([
    db
      .prepare(`SELECT * FROM ledger_entries ${filter} ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .bind(...filter.params, pageSize, offset),
    db.prepare(`SELECT count(*) AS total FROM ledger_entries ${filter}`).bind(...filter.params),
  ]);
  return c.json(
    {
      entries: (rows!.results as EntryRow[]).map((r) => ({
        id: r.id,
        organizationId: r.organization_id,
        seq: r.seq,
        kind: r.kind,
        credits: r.credits,
        allocation: r.allocation,
        balanceAfter: r.balance_after,
        periodStart: r.period_start,
        periodEnd: r.period_end,
        eventId: r.event_id,
        identity: r.identity_key,
        note: r.note,
        details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
        createdAt: r.created_at,
      })),
      total: (count!.results[0] as { total: number }).total,
      page,
      pageSize,
    },
    200,
  );
});
