import { createRoute, z } from "@hono/zod-openapi";
import { LEDGER_KINDS } from "../../../shared/billing";
import { LedgerEntrySchema } from "../../credits/ledger";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { OrganizationParams, PageFields, datedPageQuery, pageOf } from "../../http/schemas";
import { Where } from "../../lib/sql";
import { endBound, startBound } from "../../lib/time";
import { findOrganization } from "../../organizations/organization";
import { toLedgerEntry, type EntryRow } from "./queries";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/ledger",
  summary: "Every credit movement of the organization, newest first",
  request: {
    params: OrganizationParams,
    query: z.object({ ...datedPageQuery(), kind: z.enum(LEDGER_KINDS).optional() }),
  },
  responses: {
    200: jsonResponse("A page of ledger entries", z.object({ entries: z.array(LedgerEntrySchema), ...PageFields })),
    ...commonErrors,
  },
});

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
      entries: (rows!.results as EntryRow[]).map(toLedgerEntry),
      total: (count!.results[0] as { total: number }).total,
      page,
      pageSize,
    },
    200,
  );
});
