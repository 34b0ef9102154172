import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { personInOrganizations, storyOf } from "../../people/queries";
import { findSuppression } from "../../suppressions/queries";
import { SuppressionParams } from "../../suppressions/schemas";
import { isoOf, publicVisitorId, sessionId } from "../../visitors/identity";
import { fromMirrorRow, type MirrorRow } from "../../credits/ledger";
import { toReceipt } from "../credits/queries";
import { toVisitor, topPagesOf } from "../visitors/queries";
import { PersonExportSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/people/{emailSha256}/export",
  summary: "Export everything held about a person across your organizations",
  description:
    "For a data-subject access request: the suppression, if any, and per organization the person's visitor, " +
    "sessions with their page views and engagement, receipts and ledger entries. A person never seen answers an " +
    "empty export (200).",
  request: { params: SuppressionParams },
  responses: {
    200: jsonResponse("The export", z.object({ export: PersonExportSchema })),
    ...commonErrors,
  },
});

export const exportPerson = createApi().openapi(route, async (c) => {
  const { emailSha256 } = c.req.valid("param");
  const db = c.var.tenant.DB;
  const partnerId = c.get("partnerId");
  const [suppression, places] = await Promise.all([
    findSuppression(db, partnerId, emailSha256),
    personInOrganizations(db, partnerId, emailSha256),
  ]);
  const story = await storyOf(db, places);
  const topPages = await topPagesOf(
    db,
    story.visitors.map((v) => v.seq),
  );
  const organizations = places.flatMap((place) => {
    const visitor = story.visitors.find((v) => v.org === place.org && v.id === place.visitor) ?? null;
    const receipts = story.charges.filter((r) => r.org === place.org);
    const ledgerEntries = (story.ledger as unknown as MirrorRow[]).filter((l) => l.org === place.org);
    if (!visitor && receipts.length === 0 && ledgerEntries.length === 0) return [];
    const sessions = visitor ? story.sessions.filter((s) => s.visitor === visitor.seq) : [];
    const pages = visitor ? story.pageViews.filter((p) => p.visitor === visitor.seq) : [];
    return [
      {
        organizationId: place.organizationId,
        organizationName: place.organizationName,
        visitorId: publicVisitorId(place.visitor),
        visitor: visitor ? toVisitor(visitor, topPages.get(visitor.seq) ?? []) : null,
        sessions: sessions.map((s) => ({
          id: sessionId(place.visitor, s.start),
          startedAt: isoOf(s.start),
          lastSeenAt: isoOf(s.last_seen),
          pageViews: s.page_views,
          landingPage: s.landing_page,
          referrer: s.referrer,
          utmSource: s.utm_source,
          utmMedium: s.utm_medium,
          utmCampaign: s.utm_campaign,
          utmTerm: s.utm_term,
          utmContent: s.utm_content,
          deviceType: s.device_type,
          pages: pages
            .filter((p) => p.session === s.start)
            .map((p) => ({
              path: p.path,
              viewedAt: isoOf(s.start + p.at),
              engagedSeconds: p.engaged_seconds,
              scrollDepth: p.scroll_depth,
            })),
        })),
        receipts: receipts.map((r) => toReceipt(place.organizationId, r)),
        ledgerEntries: ledgerEntries.map((l) => fromMirrorRow(place.organizationId, l)),
      },
    ];
  });
  c.header("cache-control", "no-store");
  return c.json({ export: { emailSha256, suppression, organizations } }, 200);
});
