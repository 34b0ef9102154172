import { Hono } from "hono";
import { recordAudit } from "../../audit/queries";
import { utcDay } from "../../lib/time";
import { visitorQueryOf } from "../../insights/feed/filters";
import { allFeedRows, type FeedRow } from "../../insights/feed/queries";
import { clientAddress } from "../../rate-limit/address";
import { limitActions } from "../../rate-limit/dashboard";
import type { DashboardEnv } from "../context";
import { message } from "../ui/layout";
import { feedRequest, MISSING_VIEW } from "./feed-request";

const COLUMNS: [string, (row: FeedRow) => string | number | null][] = [
  ["Company", (r) => r.name],
  ["Domain", (r) => r.domain],
  ["Type", (r) => r.type],
  ["Industry", (r) => r.industry],
  ["Employees", (r) => r.employeeRange],
  ["Country", (r) => r.country],
  ["ICP match", (r) => (r.icp.matched ? "yes" : "no")],
  ["ICP score", (r) => r.icp.score],
  ["ICP profile", (r) => r.icp.profile],
  ["First seen (UTC)", (r) => r.firstSeenAt],
  ["Last seen (UTC)", (r) => r.lastSeenAt],
  ["Visits", (r) => r.sessions],
  ["Page views", (r) => r.pageViews],
  ["Time on site (s)", (r) => r.totalTimeSeconds],
  ["Landing page", (r) => r.landingPage],
  ["Referrer", (r) => r.referrer],
  ["UTM source", (r) => r.utm.source],
  ["UTM medium", (r) => r.utm.medium],
  ["UTM campaign", (r) => r.utm.campaign],
];

/** RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with an apostrophe. */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const line = (cells: (string | number | null)[]) => `${cells.map(csvCell).join(",")}\r\n`;

/** Navigations another site started (`Sec-Fetch-Site`); browsers that send no such header are not told apart. */
const FROM_ELSEWHERE = new Set(["cross-site", "same-site"]);

/**
 * `GET /o/{organizationId}/companies.csv`: every company matching the feed's filters (or saved view), in the
 * feed's order, streamed while it is read (a chunk of rows per D1 read), so size never matters.
 * An export is an action (audit entry, a whole organization read): another site's link gets a page
 * with the download link instead, so no other site can write an export into the audit log.
 */
export const exportRoute = new Hono<DashboardEnv>().get("/o/:organizationId/companies.csv", async (c) => {
  const organization = c.get("organization");
  const session = c.get("session");
  const { query, view, problems, missingView } = feedRequest(c, c.req.queries());
  if (missingView) return message(c, "Export not possible", <p>{MISSING_VIEW}</p>, 404);
  if (problems.length > 0) return message(c, "Export not possible", <p>{problems.join(" ")}</p>, 400);
  if (FROM_ELSEWHERE.has(c.req.header("sec-fetch-site") ?? "")) {
    const url = new URL(c.req.url);
    return message(
      c,
      "Download the export",
      <p>
        Another site sent you here. <a href={`${url.pathname}${url.search}`}>Download the CSV export</a> of{" "}
        {organization.name} if you meant to.
      </p>,
      200,
    );
  }
  await limitActions(c.env, clientAddress(c.req.raw.headers));
  await recordAudit(c.var.tenant.DB, {
    partnerId: session.partnerId,
    organizationId: organization.id,
    action: "companies.exported",
    actor: { type: "client_user", id: session.id, email: session.email },
    details: { filter: { ...query.filter, from: query.from, to: query.to }, ...(view && { viewId: view.id }) },
  });
  const rows = allFeedRows(c.var.tenant.DB, organization.id, visitorQueryOf(query));
  const encoder = new TextEncoder();
  // A byte-order mark, so spreadsheets read the file as UTF-8.
  let pending = `\uFEFF${line(COLUMNS.map(([name]) => name))}`;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (let k = 0; k < 100; k++) {
        const next = await rows.next();
        if (next.done) {
          if (pending) controller.enqueue(encoder.encode(pending));
          controller.close();
          return;
        }
        pending += line(COLUMNS.map(([, cell]) => cell(next.value)));
      }
      controller.enqueue(encoder.encode(pending));
      pending = "";
    },
  });
  const name =
    organization.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "companies";
  return new Response(body, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${name}-companies-${utcDay(Date.now())}.csv"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
