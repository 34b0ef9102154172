import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { browser, csrfOf, signedInClient, signedInConsole, type Browser } from "./support/dashboard";
import { freshDomain, makeLive, publishRecords } from "./support/domains";
import { importCompany, newOrganization, tenantOfOrganization } from "./support/partners";
import { freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";
import { seedVisitors } from "./support/visitors";

/**
 * What the client dashboard and the partner console show: the partner's brand on every page,
 * on its own domain, and figures that agree with the partner API.
 */

const BRAND = { companyName: "Brightside Growth", primaryColor: "#0f766e", secondaryColor: "#f59e0b" };

type Owner = Awaited<ReturnType<typeof newOrganization>>;

/** Feed rows as the page links them: [visitor id, name]. */
const feedNames = (html: string) =>
  [...html.matchAll(/\/companies\/(vis_\w+)">([^<]+)</g)].map((m) => m[2]!.replace(/&amp;/g, "&"));
const nextLink = (html: string) => html.match(/href="([^"]+)">Next page</)?.[1]!.replace(/&amp;/g, "&") ?? null;

/** Every page of the feed from `path`, following "Next page". */
async function walkFeed(b: Browser, path: string) {
  const names: string[] = [];
  for (let next: string | null = path, pages = 0; next; pages++) {
    const page = await b.get(next);
    expect(page.status, next).toBe(200);
    names.push(...feedNames(page.html));
    next = nextLink(page.html);
    expect(pages).toBeLessThan(50);
  }
  return names;
}

/** CSV text → rows of cells (RFC 4180 quoting). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') ((cell += '"'), i++);
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") (row.push(cell), (cell = ""));
    else if (ch === "\n") (row.push(cell), rows.push(row), (row = []), (cell = ""));
    else if (ch !== "\r") cell += ch;
  }
  return rows;
}

type SeededCompany = { name: string; industry: string; employees: string; country: string; icp?: boolean };

/** Companies' visitors written as the consumer keeps them, last seen a minute apart (newest first). */
async function seedFeed(organizationId: string, companies: SeededCompany[]) {
  const now = Math.floor(Date.now() / 1000);
  await seedVisitors(
    organizationId,
    companies.map((c, i) => ({
      name: c.name,
      domain: `${c.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.example`,
      industry: c.industry,
      employeeRange: c.employees,
      country: c.country,
      lastSeen: now - (i + 1) * 60,
      pageViews: i + 1,
      icpMatched: c.icp ?? false,
      icpScore: c.icp ? 80 : 10,
    })),
  );
}

/** Moves the organization's visitors with this many page views to another last-seen time. */
const lastSeenAt = async (organizationId: string, pageViews: number, iso: string) =>
  (await tenantOfOrganization(organizationId)).DB.prepare(
    `UPDATE visitors SET last_seen = ?
     WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?) AND page_views = ?`,
  )
    .bind(Date.parse(iso) / 1000, organizationId, pageViews)
    .run();

async function brandedOrganization(): Promise<Owner> {
  const owner = await newOrganization({ name: "Acme Widgets" });
  const branded = await owner.api("PUT", "/branding", { ...BRAND, logoUrl: "https://cdn.brightside.example/logo.svg" });
  expect(branded.status, branded.text).toBe(200);
  return owner;
}

describe("whitelabel", () => {
  it(
    "every page wears the partner's name, logo and colours in its title and header, and never the platform's name",
    { timeout: 20_000 },
    async () => {
      const { api, organization } = await brandedOrganization();
      const { browser: b, home } = await signedInClient(api, organization.id, "admin");
      await seedFeed(organization.id, [
        { name: "Harborline", industry: "Logistics", employees: "51-200", country: "US" },
      ]);
      const visitorId = (await b.get(`${home}/companies`)).html.match(/companies\/(vis_\w+)/)![1];
      const console = await signedInConsole(api);
      const pages: [Browser, string, string][] = [
        [b, home, `Overview · Acme Widgets · ${BRAND.companyName}`],
        [b, `${home}/companies`, `Companies · Acme Widgets · ${BRAND.companyName}`],
        [b, `${home}/companies/${visitorId}`, `Harborline · Acme Widgets · ${BRAND.companyName}`],
        [b, `${home}/exclusions`, `Exclusions · Acme Widgets · ${BRAND.companyName}`],
        [b, `${home}/notifications`, `Notifications · Acme Widgets · ${BRAND.companyName}`],
        [b, `${home}/notifications/alerts/new`, `New alert · Notifications · Acme Widgets · ${BRAND.companyName}`],
        [b, `${home}/notifications/digests`, `Digests · Notifications · Acme Widgets · ${BRAND.companyName}`],
        [console.browser, console.home, `Clients · Console · ${BRAND.companyName}`],
        [browser(), "/app/sign-in/" + "a".repeat(64), `This sign-in link is not valid`],
      ];
      for (const [who, path, title] of pages) {
        const res = await exports.default.fetch(`https://api.test${path}`, {
          headers: { cookie: [...who.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
        });
        const html = await res.text();
        expect(html, path).toContain(`<title>${title}</title>`);
        if (!title.startsWith("This sign-in")) {
          expect(html).toContain('<img src="https://cdn.brightside.example/logo.svg"');
          expect(html).toContain(`--brand:${BRAND.primaryColor}`);
          expect(html).toContain(`--accent:${BRAND.secondaryColor}`);
        }
        const everything = [html, ...[...res.headers].map(([k, v]) => `${k}: ${v}`), ...who.cookies.keys()].join("\n");
        expect(everything, path).not.toMatch(/sightline/i);
      }
    },
  );

  it("keeps text readable whatever colours the partner picked", async () => {
    const { api, organization } = await newOrganization();
    await api("PUT", "/branding", { primaryColor: "#ffeb3b" });
    const { browser: b, home } = await signedInClient(api, organization.id);
    const html = (await b.get(home)).html;
    // Yellow: black text on the header; links darkened until they read on white (4.5:1).
    expect(html).toContain("--on-brand:#000000");
    const ink = html.match(/--brand-ink:(#[0-9a-f]{6})/)![1];
    expect(ink).not.toBe("#ffeb3b");
  });
});

describe("a partner's verified custom domain", () => {
  async function verifiedDomain(owner: Owner) {
    return (await makeLive(owner.api)).domain;
  }

  it("serves the dashboard at its root; the links point there and work only there", async () => {
    const owner = await brandedOrganization();
    const domain = await verifiedDomain(owner);
    const { browser: b, link, home } = await signedInClient(owner.api, owner.organization.id);
    expect(link.url).toMatch(new RegExp(`^https://${domain.replace(/\./g, "\\.")}/sign-in/[0-9a-f]{64}$`));
    expect(home).toBe(`/o/${owner.organization.id}`);
    const overview = await b.get(home);
    expect(overview.status).toBe(200);
    expect(overview.html).toContain(`<title>Overview · Acme Widgets · ${BRAND.companyName}</title>`);
    expect(overview.html).toContain(`href="/o/${owner.organization.id}/companies"`);
    // The host still serves the script and the hit endpoint.
    const script = await exports.default.fetch(`https://${domain}/s/${owner.pixelKey}.js`);
    expect(script.status).toBe(200);
    // Signed out on that host: the partner's brand, not a bare error.
    const out = await browser(`https://${domain}`).get("/");
    expect(out.status).toBe(401);
    expect(out.html).toContain(BRAND.companyName);
  });

  it("does not accept a session cookie from another host", async () => {
    const owner = await brandedOrganization();
    const platform = await signedInClient(owner.api, owner.organization.id);
    const domain = await verifiedDomain(owner);
    const res = await exports.default.fetch(`https://${domain}/o/${owner.organization.id}`, {
      headers: { cookie: [...platform.browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    expect(res.status).toBe(401);
    expect((await platform.browser.get(platform.home)).status).toBe(200);
  });

  it("is the only host besides the platform that serves dashboards: unknown hosts get 404", async () => {
    const res = await exports.default.fetch("https://unknown.example/");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "NotFound" });
  });
});

const COMPANIES: [SeededCompany, SeededCompany, SeededCompany] = [
  { name: "Alpha Freight", industry: "Logistics", employees: "51-200", country: "US", icp: true },
  { name: "Beta Health", industry: "Healthcare", employees: "1001-5000", country: "GB" },
  { name: "Gamma Soft", industry: "Software", employees: "51-200", country: "DE", icp: true },
];
const companyOf = (i: number) => COMPANIES[i % COMPANIES.length]!;

describe("the company feed", () => {
  it("lists companies most recently seen first, 25 to a page, with a cursor to the next page", async () => {
    const { api, organization } = await newOrganization();
    const companies = Array.from({ length: 60 }, (_, i) => ({
      ...companyOf(i),
      name: `${companyOf(i).name} ${i}`,
    }));
    await seedFeed(organization.id, companies);
    const { browser: b, home } = await signedInClient(api, organization.id);
    const first = await b.get(`${home}/companies`);
    expect(first.html).toContain("60 companies in all");
    expect(feedNames(first.html)).toHaveLength(25);
    expect(await walkFeed(b, `${home}/companies`)).toEqual(companies.map((c) => c.name));
    // The API lists the same visitors in the same order.
    const api100 = await api("GET", `/organizations/${organization.id}/visitors?pageSize=100`);
    expect(api100.body.visitors.map((v: { company: { name: string } }) => v.company.name)).toEqual(
      companies.map((c) => c.name),
    );
  });

  it.each([
    ["industry=software", ["Gamma Soft"]],
    ["employees=51-200", ["Alpha Freight", "Gamma Soft"]],
    ["country=gb", ["Beta Health"]],
    ["icp=1", ["Alpha Freight", "Gamma Soft"]],
    ["q=health", ["Beta Health"]],
    ["employees=51-200&country=US", ["Alpha Freight"]],
  ])("narrows to the filter %s", async (query, expected) => {
    const { api, organization } = await newOrganization();
    await seedFeed(organization.id, COMPANIES);
    const { browser: b, home } = await signedInClient(api, organization.id);
    expect(await walkFeed(b, `${home}/companies?${query}`)).toEqual(expected);
  });

  it("filters by the days companies were last seen", async () => {
    const { api, organization } = await newOrganization();
    await seedFeed(organization.id, COMPANIES);
    await lastSeenAt(organization.id, 2, "2024-03-05T10:00:00Z");
    const { browser: b, home } = await signedInClient(api, organization.id);
    expect(await walkFeed(b, `${home}/companies?from=2024-03-05&to=2024-03-05`)).toEqual(["Beta Health"]);
    expect(await walkFeed(b, `${home}/companies?to=2024-03-04`)).toEqual([]);
    const badCursor = await b.get(`${home}/companies?cursor=bm9wZQ`);
    expect(badCursor.html).toContain("this is the first page");
    expect(feedNames(badCursor.html)).toHaveLength(3);
    const bad = await b.get(`${home}/companies?from=yesterday`);
    expect(bad.status).toBe(200);
    expect(bad.html).toContain("The start date must be a date");
  });

  // 1,100 rows, three exports and every page of three feeds: seconds on a busy machine.
  it(
    "exports every matching row as CSV, streamed, in the feed's order with the feed's filters",
    { timeout: 30_000 },
    async () => {
      const { api, organization } = await newOrganization();
      const companies = Array.from({ length: 1_100 }, (_, i) => ({
        ...companyOf(i),
        name: `${companyOf(i).name} ${i}`,
      }));
      for (let i = 0; i < companies.length; i += 200) await seedFeed(organization.id, companies.slice(i, i + 200));
      const { browser: b, home } = await signedInClient(api, organization.id);
      for (const query of ["", "?employees=51-200", "?icp=1&country=DE"]) {
        const res = await exports.default.fetch(`https://api.test${home}/companies.csv${query}`, {
          headers: { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
        });
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
        expect(res.headers.get("content-disposition")).toMatch(
          /^attachment; filename="client-companies-\d{4}-\d{2}-\d{2}\.csv"$/,
        );
        const rows = parseCsv((await res.text()).replace(/^\uFEFF/, ""));
        expect(rows[0]!.slice(0, 3)).toEqual(["Company", "Domain", "Type"]);
        const feed = await walkFeed(b, `${home}/companies${query}`);
        expect(rows.slice(1).map((r) => r[0])).toEqual(feed);
        if (query === "") expect(feed).toHaveLength(1_100);
      }
    },
  );

  it("exports names a spreadsheet would run as formulas as plain text", async () => {
    const { api, organization } = await newOrganization();
    await seedFeed(organization.id, [
      { name: '=HYPERLINK("https://evil.example","x")', industry: "Software", employees: "1-10", country: "US" },
    ]);
    const { browser: b, home } = await signedInClient(api, organization.id);
    const csv = (await b.get(`${home}/companies.csv`)).html.replace(/^\uFEFF/, "");
    expect(parseCsv(csv)[1]![0]).toBe(`'=HYPERLINK("https://evil.example","x")`);
  });
});

describe("the company page and the overview", () => {
  it("tell a company's story: firmographics, ICP score and profile, each visit with landing page, referrer, UTM and pages", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const icp = await api("POST", `/organizations/${organization.id}/icp-configs`, {
      name: "US software",
      groups: [{ operator: "AND", conditions: [{ type: "industry", comparator: "eq", value: "Software" }] }],
    });
    expect(icp.status, icp.text).toBe(201);
    const ip = freshIp();
    await importCompany(`${ip}/32`, "Quillstone Software");
    const landing = pageView(
      pixelKey,
      "https://client.example/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
      {
        r: "https://news.example/issue-4",
      },
    );
    await sendHit(landing, { ip });
    const second = pageView(pixelKey, "https://client.example/docs/setup");
    await sendHit(second, { ip });
    await waitForReceipts(organization.id, 2);
    await sendHit({ k: pixelKey, t: "e", i: crypto.randomUUID(), u: landing.u, p: landing.i, s: 95, d: 80 }, { ip });
    const { browser: b, home } = await signedInClient(api, organization.id);
    const visitorId = await vi.waitFor(
      async () => {
        const list = await api("GET", `/organizations/${organization.id}/visitors`);
        const [visitor] = list.body.visitors;
        expect(visitor.icp.matched).toBe(true);
        expect(visitor.engagement.totalTimeSeconds).toBe(95);
        return visitor.id as string;
      },
      { timeout: 15_000, interval: 100 },
    );
    const page = await b.get(`${home}/companies/${visitorId}`);
    expect(page.status).toBe(200);
    const text = page.html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    expect(text).toContain("Quillstone Software");
    expect(text).toContain("Industry Software");
    expect(text).toContain("Employees 51-200");
    expect(text).toMatch(/Score 100 of 100 · matches US software/);
    expect(text).toContain("Landing page /pricing");
    expect(text).toContain("Referrer news.example");
    expect(text).toContain("UTM newsletter / email / spring");
    expect(text).toMatch(/\/pricing [^/]+ 1 min 35 s 80%/);
    expect(text).toMatch(/\/docs\/setup [^/]+ 0 s 0%/);
  });

  it("counts identified companies, page views and why page views were not identified, as the receipts say", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const known = freshIp();
    const excluded = freshIp();
    await importCompany(`${known}/32`);
    await api("PUT", `/organizations/${organization.id}/exclusions`, { domains: [], ipRanges: [`${excluded}/32`] });
    await sendHit(pageView(pixelKey, "https://client.example/a"), { ip: known });
    await sendHit(pageView(pixelKey, "https://client.example/a"), { ip: known });
    await sendHit(pageView(pixelKey, "https://client.example/b"), { ip: freshIp() });
    await sendHit(pageView(pixelKey, "https://client.example/b"), { ip: excluded });
    await sendHit(pageView(pixelKey, "https://client.example/c"), { ip: freshIp(), userAgent: "curl/8.0" });
    await waitForReceipts(organization.id, 5);
    const { browser: b, home } = await signedInClient(api, organization.id);
    const text = (await b.get(home)).html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    expect(text).toMatch(/Companies identified 1 /);
    expect(text).toMatch(/Page views 4 /); // the bot's page view is not one
    expect(text).toMatch(/Identification rate 50% /); // 2 identified of 4 by people
    expect(text).toMatch(/No company matched 1 20%/);
    expect(text).toMatch(/No credits left 0 0%/);
    expect(text).toMatch(/Excluded by you 1 20%/);
    expect(text).toMatch(/Bots 1 20%/);
    expect(text).toMatch(/Credits used 1 of 100/);
    expect(text).toMatch(/Top pages Page Views \/a 2 \/b 2 /);
  });
});

describe("the console", () => {
  it("shows the custom domain's state and the records to add, and checks it now with a CSRF-checked form", async () => {
    const { api } = await newOrganization();
    const { browser: b, home } = await signedInConsole(api);
    const empty = await b.get(`${home}/domain`);
    expect(empty.status).toBe(200);
    expect(empty.html).toContain("No custom domain is set");

    const domain = freshDomain();
    const set = (await api("PUT", "/domain", { domain })).body;
    const page = await b.get(`${home}/domain`);
    for (const record of set.dnsRecords) expect(page.html).toContain(`<code>${record.name}</code>`);
    expect(page.html).toContain("Not verified yet");
    expect(page.html).toContain("Certificate pending");

    const csrf = csrfOf(page.html);
    expect((await b.post(`${home}/domain/check`, { _csrf: "0".repeat(64) })).status).toBe(403);
    await publishRecords(set);
    let checked = await b.post(`${home}/domain/check`, { _csrf: csrf });
    expect(checked.status).toBe(200);
    expect(checked.html).toContain("Checked just now. Both DNS records were found.");
    for (let i = 0; i < 5 && !checked.html.includes(">Live<"); i++)
      checked = await b.post(`${home}/domain/check`, { _csrf: csrf });
    expect(checked.html).toContain(">Live<");
    expect(checked.html).toContain("Certificate active");
    expect((await api("GET", "/domain/verification")).body.active).toBe(true);
  });

  it("shows each client's credits and identified companies exactly as the API reports them, and warns when no hit came in 24 h", async () => {
    const { api, organization, pixelKey } = await newOrganization({ name: "Live client" });
    const quiet = (await api("POST", "/organizations", { name: "Quiet client", tier: "trial", initialCredits: 7 })).body
      .organization;
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    await sendHit(pageView(pixelKey), { ip });
    await waitForReceipts(organization.id, 1);
    await seedFeed(organization.id, COMPANIES);
    await lastSeenAt(organization.id, 3, new Date(Date.now() - 10 * 86_400_000).toISOString());
    const { browser: b, home } = await signedInConsole(api);
    const html = (await b.get(home)).html;
    const today = new Date();
    const daysAgo = (n: number) => new Date(today.getTime() - n * 86_400_000).toISOString().slice(0, 10);
    for (const id of [organization.id, quiet.id]) {
      const row = html.slice(html.indexOf(`data-organization="${id}"`)).split("</tr>")[0];
      const o = (await api("GET", `/organizations/${id}`)).body.organization;
      const field = (name: string) => row!.match(new RegExp(`data-field="${name}">([^<]+)<`))![1]!.trim();
      expect(field("credits")).toBe(`${o.creditsUsed} / ${o.credits}`);
      const seven = (await api("GET", `/organizations/${id}/visitors?from=${daysAgo(6)}`)).body.total;
      const thirty = (await api("GET", `/organizations/${id}/visitors?from=${daysAgo(29)}`)).body.total;
      expect(Number(field("identified-7"))).toBe(seven);
      expect(Number(field("identified-30"))).toBe(thirty);
      expect(row!.includes("No hit in the last 24 h")).toBe(id === quiet.id);
    }
    const me = (await api("GET", "/me")).body.partner;
    expect(html).toContain(
      `${me.creditPoolUsed.toLocaleString("en-US")} <span class="muted">of ${me.creditPoolTotal.toLocaleString("en-US")} allocated</span>`,
    );
  });
});
