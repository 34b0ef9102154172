import { describe, expect, it } from "vitest";
import { CompaniesPage } from "../../worker/dashboard/client/companies";
import { ExclusionsPage } from "../../worker/dashboard/client/exclusions";
import { OverviewPage } from "../../worker/dashboard/client/overview";
import { ClientsPage } from "../../worker/dashboard/console/clients";
import { NewClientPage } from "../../worker/dashboard/console/new-client";
import type { FeedRow } from "../../worker/insights/feed/queries";
import { parseFeedQuery } from "../../worker/insights/feed/filters";
import { OUTCOMES, identificationRate, type Outcome, type Overview } from "../../worker/insights/overview/queries";
import type { OrganizationView } from "../../worker/insights/organizations";

/**
 * Dashboard pages rendered from their props alone, as their routes pass them what they loaded:
 * what a client or a partner's staff reads on each, without D1 or a session.
 */

const ROOT = "/app/o/org_1";

const html = async (page: unknown) => String(await (page as { toString(): string | Promise<string> }).toString());
/** The page's text as read, tags dropped and white space collapsed. */
const textOf = (markup: string) =>
  markup
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();

const hits = (counts: Partial<Record<Outcome, number>>) =>
  Object.fromEntries(OUTCOMES.map((o) => [o, counts[o] ?? 0])) as Record<Outcome, number>;

function overview(): Overview {
  const days = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07"];
  const series = days.map((day, i) => ({
    day,
    identifiedCompanies: i === 6 ? 5 : 1,
    pageViews: 20,
    hits: hits({ identified: 10, not_identified: 6, bot: 4 }),
  }));
  const totals = hits({ identified: 70, not_identified: 42, bot: 28 });
  return {
    days: 7,
    from: days[0]!,
    to: days[6]!,
    series,
    companiesSeen: 12,
    totals: { hits: totals, pageViews: 1_240, identificationRate: identificationRate(totals) },
    topPages: [
      { path: "/pricing", views: 40 },
      { path: "/", views: 25 },
    ],
    topSources: [
      { source: null, sessions: 10 },
      { source: "news.example", sessions: 3 },
    ],
  };
}

const organization = {
  id: "org_1",
  name: "Acme Widgets",
  externalId: "acme",
  status: "active",
  enabled: true,
  tier: "paid",
  productType: "B2B",
  billingPeriod: "monthly",
  billingDayOfMonth: 1,
  billingChangeEffectiveAt: null,
  credits: 100,
  creditsUsed: 40,
  creditsAvailable: 60,
  currentPeriodStart: "2026-03-01T00:00:00Z",
  currentPeriodEnd: "2026-04-01T00:00:00Z",
  metadata: {},
  partnerMetadata: { externalId: "acme" },
  ownerUserId: null,
  createdAt: "2026-01-10T09:00:00Z",
  updatedAt: "2026-01-10T09:00:00Z",
  deletedAt: null,
} satisfies OrganizationView;

const feedRow = (name: string, overrides: Partial<FeedRow> = {}): FeedRow => ({
  id: "vis_abcdefghijk",
  seq: 1,
  type: "company",
  name,
  domain: "harborline.example",
  industry: "Logistics",
  employeeRange: "51-200",
  country: "US",
  icp: { matched: true, score: 80, profile: "Shippers" },
  firstSeenAt: "2026-03-05T10:00:00Z",
  lastSeenAt: "2026-03-07T14:05:00Z",
  lastSeen: 1_772_892_300,
  sessions: 3,
  pageViews: 1_204,
  totalTimeSeconds: 600,
  landingPage: "/pricing",
  referrer: null,
  utm: { source: null, medium: null, campaign: null },
  ...overrides,
});

describe("the overview page", () => {
  it("shows the period's figures, the credits left and why page views were not identified", async () => {
    const markup = await html(
      OverviewPage({
        overview: overview(),
        organization,
        latest: [feedRow("Harborline Logistics")],
        days: 7,
        root: ROOT,
      }),
    );
    const text = textOf(markup);
    expect(text).toContain("Mar 1, 2026 to Mar 7, 2026 (UTC)");
    expect(text).toContain("Companies identified 12 seen in the last 7 days");
    expect(text).toContain("Page views 1,240 in the last 7 days");
    // 70 identified of the 112 page views by people (the 28 of bots left out).
    expect(text).toContain("Identification rate 63% of page views by people, bots left out");
    expect(text).toContain("Credits used 40 of 100");
    expect(text).toContain("60 available until Apr 1, 2026");
    expect(text).toMatch(/Reason Page views Share No company matched 42 30% No credits left 0 0%/);
    expect(text).toContain("Page Views /pricing 40 / 25");
    expect(text).toContain("Source Visits Direct 10 news.example 3");
    expect(markup).toContain(`<a href="${ROOT}?days=7" aria-current="page">Last 7 days</a>`);
    expect(markup).toContain(`<a href="${ROOT}?days=30">Last 30 days</a>`);
    expect(text).toContain("Latest companies All companies");
    expect(markup).toContain(`<a href="${ROOT}/companies/vis_abcdefghijk">Harborline Logistics</a>`);
  });

  it("says so when the period has no page view", async () => {
    const empty = { ...overview(), topPages: [], topSources: [] };
    empty.totals = { hits: hits({}), pageViews: 0, identificationRate: null };
    const text = textOf(await html(OverviewPage({ overview: empty, organization, latest: [], days: 7, root: ROOT })));
    expect(text).toContain("Identification rate –");
    expect(text).toContain("Why page views were not identified No page views in this period.");
    expect(text).toContain("Top sources No visits in this period.");
    expect(text).toContain("No company identified in the last 7 days.");
  });
});

describe("the company feed", () => {
  const request = { ...parseFeedQuery({}), view: null, missingView: false };
  const page = (rows: FeedRow[], overrides: Partial<Parameters<typeof CompaniesPage>[0]> = {}) =>
    CompaniesPage({
      request,
      feed: { rows, next: null, suggestions: { industries: [], countries: [] }, total: rows.length },
      continued: false,
      problems: [],
      extras: {},
      root: ROOT,
      csrf: "csrf-token",
      admin: false,
      ...overrides,
    });

  it("lists each company with its facts and a link to its page", async () => {
    const markup = await html(page([feedRow("Harborline Logistics")]));
    const text = textOf(markup);
    expect(text).toContain("1 company in all, most recently seen first.");
    expect(text).toContain(
      "Harborline Logistics harborline.example Logistics 51-200 US 80 · match Mar 7, 2026, 14:05 UTC 3 1,204",
    );
    expect(markup).toContain(`<a href="${ROOT}/companies/vis_abcdefghijk">Harborline Logistics</a>`);
    expect(markup).toContain(`href="${ROOT}/companies.csv"`);
    expect(markup).not.toContain("Next page");
  });

  it("tells a client with no identified company yet when visits appear, and shows what went wrong", async () => {
    const text = textOf(await html(page([], { problems: ["That saved view does not exist any more."] })));
    expect(text).toContain("That saved view does not exist any more.");
    expect(text).toContain("No company identified yet. Visits appear here a few seconds after they happen.");
  });
});

describe("the exclusions page", () => {
  it("keeps what was sent and lists every problem when nothing was saved", async () => {
    const form = {
      domains: "rival.example\nnot a domain",
      ipRanges: "203.0.113.0/24",
      updatedAt: null,
      problems: [{ field: "domains" as const, message: "'not a domain' is not a domain name" }],
    };
    const markup = await html(ExclusionsPage({ form, action: `${ROOT}/exclusions`, csrf: "csrf-token" }));
    expect(textOf(markup)).toContain("Nothing was saved 'not a domain' is not a domain name");
    expect(markup).toContain(`<form method="post" action="${ROOT}/exclusions" class="card">`);
    expect(markup).toContain('<input type="hidden" name="_csrf" value="csrf-token"/>');
    expect(markup).toMatch(/<textarea id="domains"[^>]*>rival.example\nnot a domain<\/textarea>/);
  });
});

describe("the console's clients", () => {
  it("shows a viewer the pool, each client's credits and install status, and pages through them", async () => {
    const client = {
      organization,
      identifiedLast7Days: 12,
      identifiedLast30Days: 30,
      lastHitAt: null,
      installWarning: true,
    } satisfies Parameters<typeof ClientsPage>[0]["clients"][number];
    const pool = { total: 1_000, allocated: 100, available: 900 };
    const markup = await html(
      ClientsPage({
        clients: [client],
        total: 51,
        pool,
        page: 1,
        role: "viewer",
        email: "ops@agency.example",
        base: "/app",
        csrf: "csrf-token",
      }),
    );
    const text = textOf(markup);
    expect(text).toContain("Signed in as ops@agency.example, who may view clients and open their dashboards.");
    expect(markup).not.toContain("New client");
    expect(markup).toContain('<a href="/app/console/clients/org_1">Acme Widgets</a>');
    expect(text).toContain("Credit pool 100 of 1,000 allocated");
    expect(text).toContain("900 available to allocate");
    expect(text).toContain("Clients 51 1 on this page without a hit in 24 h");
    expect(text).toContain("Acme Widgets acme active paid 40 / 100");
    expect(text).toContain("No hit yet ⚠ No hit in the last 24 h: check the script tag");
    expect(markup).toContain('<form method="post" action="/app/console/clients/org_1/open">');
    expect(text).toContain("Page 1 of 2");
    expect(markup).toContain('<a href="/app/console?page=2">Next page</a>');
  });
});

describe("the console's new-client form", () => {
  const typed = {
    request: "req_1",
    name: "Acme Widgets",
    website: "acme",
    tier: "paid",
    productType: "B2C",
    credits: "50",
  };

  it("keeps what was typed, says why nothing was created, and asks an admin for credits from the pool", async () => {
    const pool = { total: 1_000, allocated: 100, available: 900 };
    const props = { typed, problems: ["Website: not a domain"], admin: true, pool, base: "/app", csrf: "csrf-token" };
    const markup = await html(NewClientPage(props));
    expect(textOf(markup)).toContain("The client was not created Website: not a domain");
    expect(markup).toContain('<form method="post" action="/app/console/clients/new" class="card stack narrow">');
    expect(markup).toMatch(/<input id="name" name="name"[^>]* value="Acme Widgets"/);
    expect(markup).toMatch(/<option value="paid" selected="">Paid<\/option>/);
    expect(markup).toMatch(/<option value="B2C" selected="">People \(B2C\)<\/option>/);
    expect(textOf(markup)).toContain("Taken from your pool: 900 of 1,000 not yet allocated.");
  });

  it("gives staff no credits field", async () => {
    const markup = await html(
      NewClientPage({ typed, problems: [], admin: false, pool: null, base: "/app", csrf: "c" }),
    );
    expect(markup).not.toContain('name="credits"');
    expect(textOf(markup)).toContain("The client starts with 0 credits; console admins allocate credits.");
  });
});
