import type { ConsentMode } from "../../shared/hit";
import { personFieldsAllowed } from "../alerts/wording";
import { isoSeconds } from "../lib/time";
import { organizationWithBalance, type OrganizationRow } from "../organizations/organization";
import { findSegment } from "../segments/queries";
import { partnerDashboardPlace } from "../partners/custom-domain";
import type { TenantEnv } from "../shards";
import { publicVisitorId } from "../visitors/identity";
import { VisitorList, pageOfRows, type ListedVisitorRow, type VisitorQuery } from "../visitors/list";
import type { DigestData, DigestEntry } from "./render";

/**
 * What a digest says about one period of an organization, read when the mail is made (nothing of it
 * is stored): the visitors first identified in the period, those identified before who came back in
 * it, the pages their visits of the period viewed most, and the credits left now. With a segment,
 * only its visitors (and their pages) count. Visitors are read through the one visitor list
 * (worker/visitors/list.ts), so a digest holds what the dashboard's feed holds for the same filter.
 * The shape (`DigestData`) is render.ts's, which needs no storage to make the mail.
 */

/** Visitors listed in each list of a digest; the rest are counted. */
export const LISTED = 10;
/** Pages in the top list. */
export const TOP_PAGES = 5;

interface OrganizationFacts extends OrganizationRow {
  consent_mode: ConsentMode | null;
  dashboard_origin: string | null;
}

/**
 * The digest of an organization for a period, or null when the organization is gone or canceled.
 * Its links point to the partner's live custom domain, else `DASHBOARD_BASE_URL`, else the origin the
 * settings were saved through, else `origin` (the request's, for a preview before any settings).
 */
export async function digestData(
  env: TenantEnv,
  request: {
    organizationId: string;
    period: { start: number; end: number };
    segmentId: string | null;
    origin?: string;
  },
): Promise<DigestData | null> {
  const db = env.DB;
  const { organizationId, period } = request;
  const organization = await db
    .prepare(
      `SELECT o.*, p.consent_mode, s.dashboard_origin FROM organizations o
       LEFT JOIN pixels p ON p.organization_id = o.id LEFT JOIN digest_settings s ON s.organization_id = o.id
       WHERE o.id = ?`,
    )
    .bind(organizationId)
    .first<OrganizationFacts>();
  if (!organization || organization.status === "canceled" || organization.partner_id.startsWith("purging:")) {
    return null;
  }
  const segment = request.segmentId === null ? null : await findSegment(db, organizationId, request.segmentId);
  const filters = segment ? [segment.filter] : [];
  const from = isoSeconds(period.start * 1000);
  const window = { from: period.start, before: period.end };
  const plan = (query: Omit<VisitorQuery, "filters" | "from">) =>
    VisitorList.plan(db, organizationId, { filters, from, ...query });
  const [fresh, returning, seen] = await Promise.all([
    plan({ firstSeen: window }),
    plan({ firstSeen: { before: period.start }, visited: window }),
    plan({}),
  ]);
  const where = seen.whereClause();
  const statements = [
    fresh.page({ after: null, limit: LISTED + 1 }),
    returning.page({ after: null, limit: LISTED + 1 }),
    db
      .prepare(
        `SELECT pv.path, count(*) AS views FROM visitors v
         CROSS JOIN sessions s ON s.visitor = v.seq AND s.start >= ? AND s.start < ?
         CROSS JOIN page_views pv ON pv.visitor = s.visitor AND pv.session = s.start
         ${where.sql} GROUP BY pv.path ORDER BY views DESC, pv.path LIMIT ${TOP_PAGES}`,
      )
      .bind(period.start, period.end, ...where.params),
  ];
  // Each list's count joins the batch, unless the search index counted it already.
  const countAt = [fresh, returning].map((list) => {
    const count = list.count();
    return count ? statements.push(count) - 1 : null;
  });
  const results = await db.batch(statements);
  const listOf = (list: VisitorList, i: 0 | 1) => {
    const at = countAt[i] ?? null;
    return {
      rows: pageOfRows(results[i]!, LISTED).rows,
      total: list.knownTotal ?? (at === null ? 0 : (results[at]!.results[0] as { total: number }).total),
    };
  };
  const [freshList, returningList] = [listOf(fresh, 0), listOf(returning, 1)];

  const origin = organization.dashboard_origin ?? request.origin;
  if (!origin) throw new Error(`digest of ${organizationId} without settings or a request origin`);
  const [balance, place] = await Promise.all([
    organizationWithBalance(env, organization),
    partnerDashboardPlace(env, organization.partner_id, origin),
  ]);
  const dashboard = `${place.origin}${place.base}/o/${organizationId}`;
  const entry = entryOf(dashboard, personFieldsAllowed(organization.consent_mode ?? "personal"));
  return {
    partnerId: organization.partner_id,
    organizationId,
    organizationName: organization.name,
    productType: organization.product_type,
    period,
    segment: segment ? { id: segment.id, name: segment.name } : null,
    newVisitors: { entries: freshList.rows.map(entry), total: freshList.total },
    returning: { entries: returningList.rows.map(entry), total: returningList.total },
    topPages: results[2]!.results as { path: string; views: number }[],
    credits: {
      available: balance.creditsAvailable,
      allocation: balance.credits,
      periodEnd: balance.currentPeriodEnd,
    },
    dashboard,
  };
}

/** Nothing new and nothing returning: such a period sends no digest. */
export const isEmpty = (data: DigestData) => data.newVisitors.total === 0 && data.returning.total === 0;

const entryOf =
  (dashboard: string, showPerson: boolean) =>
  (v: ListedVisitorRow): DigestEntry => {
    const person = v.type === "person";
    const icp = v.icp_matched === 1 ? `ICP ${v.icp_score}` : null;
    const visits = v.sessions === 1 ? "1 visit" : `${v.sessions} visits`;
    const facts = person
      ? [...(showPerson ? [v.job_title, v.email_domain] : []), icp, visits]
      : [v.industry, v.employee_range ? `${v.employee_range} employees` : null, v.hq_country ?? v.country, icp, visits];
    return {
      title: person
        ? (showPerson && v.name) || "A person identified by e-mail"
        : `${v.name ?? "A company"}${v.domain ? ` (${v.domain})` : ""}`,
      detail: facts.filter(Boolean).join(" · "),
      link: `${dashboard}/companies/${publicVisitorId(v.id)}`,
    };
  };
