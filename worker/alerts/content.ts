import type { AlertTrigger } from "../../shared/alerts";
import type { ConsentMode } from "../../shared/hit";
import { dashboardPlace } from "../partners/custom-domain";
import { findPartner } from "../partners/partner";
import type { TenantEnv } from "../shards";
import { ORGANIZATION_KEY, publicVisitorId, type SessionRow, type VisitorRow } from "../visitors/identity";
import { PAGES_SHOWN, personFieldsAllowed, type AlertContent } from "./wording";

/** What an alert says (wording.ts), read from D1 when the message is sent: it shows the visit as stored by then. */

interface RuleRow {
  organization_id: string;
  rule_name: string;
  trigger: AlertTrigger;
  dashboard_origin: string;
  organization_name: string;
  partner_id: string;
  consent_mode: ConsentMode | null;
}

type StoryRow = VisitorRow & { icp_config_name: string | null };

/** The rule, its organization and what the message links to: the first read of every delivery. */
async function ruleOf(env: TenantEnv, ruleId: string): Promise<(RuleRow & { place: string }) | null> {
  const rule = await env.DB.prepare(
    `SELECT r.organization_id, r.name AS rule_name, r.trigger, r.dashboard_origin, o.name AS organization_name,
       o.partner_id, p.consent_mode
     FROM alert_rules r JOIN organizations o ON o.id = r.organization_id LEFT JOIN pixels p ON p.organization_id = o.id
     WHERE r.id = ?`,
  )
    .bind(ruleId)
    .first<RuleRow>();
  if (!rule) return null;
  const partner = await findPartner(env.CATALOG, rule.partner_id);
  const place = dashboardPlace(
    env,
    partner ?? { script_domain: null, script_domain_verified: 0, custom_hostname_state: null },
    rule.dashboard_origin,
  );
  return { ...rule, place: `${place.origin}${place.base}/o/${rule.organization_id}` };
}

/** The content of a firing for its visitor and visit; null when the rule or the visitor is gone (erased, past retention). */
export async function firingContent(
  env: TenantEnv,
  delivery: { rule_id: string; visitor: string; session_start: number | null },
): Promise<AlertContent | null> {
  const rule = await ruleOf(env, delivery.rule_id);
  if (!rule) return null;
  const db = env.DB;
  const seq = `(SELECT seq FROM visitors WHERE org = ${ORGANIZATION_KEY} AND id = ?)`;
  const [visitorRows, sessionRows, pageRows] = await db.batch<StoryRow | SessionRow | { path: string; total: number }>([
    db
      .prepare(
        `SELECT v.*, ic.name AS icp_config_name FROM visitors v LEFT JOIN icp_configs ic ON ic.id = v.icp_config_id
         WHERE v.org = ${ORGANIZATION_KEY} AND v.id = ?`,
      )
      .bind(rule.organization_id, delivery.visitor),
    db
      .prepare(`SELECT * FROM sessions WHERE visitor = ${seq} AND start = ?`)
      .bind(rule.organization_id, delivery.visitor, delivery.session_start),
    db
      .prepare(
        `SELECT path, count(*) OVER () AS total FROM page_views WHERE visitor = ${seq} AND session = ?
         ORDER BY at, key LIMIT ${PAGES_SHOWN}`,
      )
      .bind(rule.organization_id, delivery.visitor, delivery.session_start),
  ]);
  const visitor = visitorRows!.results[0] as StoryRow | undefined;
  if (!visitor) return null;
  const session = sessionRows!.results[0] as SessionRow | undefined;
  const pages = pageRows!.results as { path: string; total: number }[];
  const showPerson = personFieldsAllowed(rule.consent_mode ?? "personal");
  const person = visitor.type === "person";
  return {
    test: false,
    partnerId: rule.partner_id,
    organizationId: rule.organization_id,
    ruleName: rule.rule_name,
    trigger: rule.trigger,
    organizationName: rule.organization_name,
    title: person ? (showPerson && visitor.name) || "A person identified by e-mail" : (visitor.name ?? "A company"),
    domain: person ? null : visitor.domain,
    facts: person ? personFacts(visitor, showPerson) : companyFacts(visitor),
    pages: pages.map((p) => p.path),
    morePages: Math.max(0, (pages[0]?.total ?? 0) - pages.length),
    source: sourceOf(session ?? visitor),
    link: `${rule.place}/companies/${publicVisitorId(visitor.id)}`,
  };
}

/** A sample for `POST …/alerts/{alertId}/test`: made-up company, the rule's real name, trigger and dashboard. */
export async function sampleContent(env: TenantEnv, ruleId: string): Promise<AlertContent | null> {
  const rule = await ruleOf(env, ruleId);
  if (!rule) return null;
  return {
    test: true,
    partnerId: rule.partner_id,
    organizationId: rule.organization_id,
    ruleName: rule.rule_name,
    trigger: rule.trigger,
    organizationName: rule.organization_name,
    title: "Example Company (test)",
    domain: "example.com",
    facts: [
      { label: "Industry", value: "Software" },
      { label: "Size", value: "51-200 employees" },
      { label: "Country", value: "US" },
      { label: "ICP score", value: "85 (Example profile)" },
      { label: "Visits", value: "3" },
    ],
    pages: ["/", "/pricing", "/pricing/teams"],
    morePages: 0,
    source: "google / cpc / spring-launch",
    link: `${rule.place}/companies`,
  };
}

const known = (value: string | null | undefined) =>
  value === null || value === undefined || value === "" ? "—" : value;

function companyFacts(v: StoryRow) {
  const located = v.hq_country !== null;
  const place = located ? [v.hq_country, v.hq_city] : [v.country, v.city];
  return [
    { label: "Industry", value: known(v.industry) },
    { label: "Size", value: v.employee_range ? `${v.employee_range} employees` : "—" },
    { label: "Country", value: known(place.filter(Boolean).join(", ")) },
    { label: "ICP score", value: icpOf(v) },
    { label: "Visits", value: String(v.sessions) },
  ];
}

function personFacts(v: StoryRow, showPerson: boolean) {
  const own = showPerson
    ? [
        { label: "Job title", value: known(v.job_title) },
        { label: "E-mail domain", value: known(v.email_domain) },
        { label: "Company", value: known(v.company_domain) },
      ]
    : [];
  return [...own, { label: "ICP score", value: icpOf(v) }, { label: "Visits", value: String(v.sessions) }];
}

const icpOf = (v: StoryRow) =>
  v.icp_matched === 1 ? `${v.icp_score}${v.icp_config_name ? ` (${v.icp_config_name})` : ""}` : "No match";

function sourceOf(s: Pick<SessionRow, "referrer" | "utm_source" | "utm_medium" | "utm_campaign">): string {
  const utm = [s.utm_source, s.utm_medium, s.utm_campaign].filter(Boolean);
  if (utm.length > 0) return utm.join(" / ");
  if (s.referrer) {
    try {
      return new URL(s.referrer).host || "Direct";
    } catch {
      return "Direct";
    }
  }
  return "Direct";
}
