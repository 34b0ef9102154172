import { createRoute, z } from "@hono/zod-openapi";
import { LEDGER_KINDS } from "../../../shared/billing";
import { fromMirrorRow } from "../../credits/ledger";
import { LedgerEntrySchema } from "../../credits/schemas";
import { invalidField } from "../../lib/errors";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { CursorFields, CursorQuery, OrganizationParams, PageFields, datedPageQuery, pageOf } from "../../http/schemas";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
import { findOrganization } from "../../organizations/organization";
import { ledgerPage } from "./queries";

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
  const { cursor, startDate, endDate, kind, ...paging } = c.req.valid("query");
  await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
  const { page, pageSize, offset } = pageOf(paging);
  const after = cursor === undefined ? null : decodeCursor(cursor, ["number"] as const);
  if (cursor !== undefined && !after) throw invalidField("cursor", "not a cursor of this list");
  const query = { startDate, endDate, kind, before: after?.[0] ?? null, offset, limit: pageSize + 1 };
  const { rows, total } = await ledgerPage(c.var.tenant.DB, organizationId, query);
  const entries = rows.slice(0, pageSize);
  const last = entries.at(-1);
  const nextCursor = rows.length > pageSize && last ? encodeCursor([last.seq]) : null;
  return c.json(
    { entries: entries.map((e) => fromMirrorRow(organizationId, e)), total, page, pageSize, nextCursor },
    200,
  );
});
