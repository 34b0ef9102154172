import { createRoute, z } from "@hono/zod-openapi";
import { LEDGER_KINDS } from "../../../shared/billing";
import { fromMirrorRow, type MirrorRow } from "../../credits/ledger";
import { LedgerEntrySchema } from "../../credits/schemas";
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
import { Where } from "../../lib/sql";
import { endBound, startBound, unixSeconds } from "../../lib/time";
import { findOrganization } from "../../organizations/organization";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/ledger",
  summary: "Every credit movement of the organization, newest first",
  request: {
    params: OrganizationParams,
    query: z.object({ ...datedPageQuery(), ...CursorQuery, kind: z.enum(LEDGER_KINDS).optional() }),
  },
  responses: {
    200: jsonResponse(
      "A page of ledger entries",
      z.object({ entries: z.array(LedgerEntrySchema), ...PageFields, ...CursorFields }),
    ),
    ...commonErrors,
  },
});

export const listLedger = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const query = c.req.valid("query");
  const db = c.var.tenant.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  const { page, pageSize, offset } = pageOf(query);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, ["number"] as const);
  if (query.cursor !== undefined && !after) throw invalidField("cursor", "not a cursor of this list");

  const filter = (before?: number) =>
    new Where("org = (SELECT key FROM organization_keys WHERE organization_id = ?)", organizationId)
      .and("created_at >= ?", query.startDate && unixSeconds(Date.parse(startBound(query.startDate))))
      .and("created_at <= ?", query.endDate && unixSeconds(Date.parse(endBound(query.endDate))))
      .and("kind = ?", query.kind)
      .and("seq < ?", before);
  const all = filter();
  const paged = filter(after?.[0]);
  // The total is counted up to COUNT_LIMIT: a large ledger is paged with cursors, never counted whole.
  const [rows, count] = await db.batch<unknown>([
    db
      .prepare(`SELECT * FROM ledger_entries ${paged} ORDER BY seq DESC LIMIT ? OFFSET ?`)
      .bind(...paged.params, pageSize + 1, after ? 0 : offset),
    db
      .prepare(`SELECT count(*) AS total FROM (SELECT 1 FROM ledger_entries ${all} LIMIT ${COUNT_LIMIT})`)
      .bind(...all.params),
  ]);
  const found = rows!.results as MirrorRow[];
  const entries = found.slice(0, pageSize);
  const last = entries.at(-1);
  return c.json(
    {
      entries: entries.map((e) => fromMirrorRow(organizationId, e)),
      total: (count!.results[0] as { total: number }).total,
      page,
      pageSize,
      nextCursor: found.length > pageSize && last ? encodeCursor([last.seq]) : null,
    },
    200,
  );
});
