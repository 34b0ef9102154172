import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { browser as cookieJar, csrfOf, signedInClient, type Browser } from "./support/dashboard";
import { viewedPages } from "./support/page-views";
import { receiverBucket } from "../fixtures/receiver";
import { newOrganization } from "./support/partners";
import { seedVisitors } from "./support/visitors";

/**
 * The company feed's filters as a saved segment holds them, and saved views: "Save this view",
 * the views in the navigation, each opening the feed (and its export) with its filter.
 */

const now = Math.floor(Date.now() / 1000);

const decode = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** Feed rows as the page links them. */
const feedNames = (html: string) => [...html.matchAll(/\/companies\/vis_\w+">([^<]+)</g)].map((m) => decode(m[1]!));

/** The fields a form posts (hidden and text inputs with a name), by the form's action. */
function formFields(html: string, action: string): [string, string][] {
  const start = html.indexOf(`action="${action}"`);
  expect(start, `a form posting to ${action}`).toBeGreaterThan(-1);
  const form = html.slice(start, html.indexOf("</form>", start));
  return [...form.matchAll(/<input([^>]*)>/g)].flatMap(([, attrs]) => {
    const name = attrs!.match(/name="([^"]*)"/)?.[1];
    return name ? [[name, decode(attrs!.match(/value="([^"]*)"/)?.[1] ?? "")] as [string, string]] : [];
  });
}

/** Posts a form's fields (`name` of the view replaced) as a browser would, repeated names included. */
async function post(b: Browser, path: string, fields: [string, string][]) {
  const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  const url = new URL(path, "https://api.test");
  const res = await exports.default.fetch(url.href, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: url.origin, cookie },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, location: res.headers.get("location"), html: await res.text() };
}

/** Four companies, newest first: industry, country, ICP score and the pages each viewed. */
async function seedCompanies(organizationId: string) {
  const ids = await seedVisitors(organizationId, [
    { name: "Alpha Freight", industry: "Logistics", country: "US", icpMatched: true, icpScore: 80, lastSeen: now - 60 },
    { name: "Beta Health", industry: "Healthcare", country: "GB", icpScore: 10, lastSeen: now - 120 },
    { name: "Gamma Soft", industry: "Software", country: "DE", icpMatched: true, icpScore: 90, lastSeen: now - 180 },
    { name: "Delta Retail", industry: "Retail", country: "US", icpScore: 60, lastSeen: now - 240 },
  ]);
  await viewedPages(organizationId, [
    [ids[0]!, ["/", "/pricing/teams"]],
    [ids[1]!, ["/blog"]],
    [ids[2]!, ["/docs"]],
    [ids[3]!, ["/pricing"]],
  ]);
}

async function adminWithCompanies() {
  const owner = await newOrganization({ name: "Acme Widgets" });
  await seedCompanies(owner.organization.id);
  const client = await signedInClient(owner.api, owner.organization.id, "admin");
  return { ...owner, ...client };
}

describe("the company feed's filters", () => {
  it.each([
    ["industry=Software&industry=retail", ["Gamma Soft", "Delta Retail"]],
    ["country=us&country=DE", ["Alpha Freight", "Gamma Soft", "Delta Retail"]],
    ["score=60", ["Alpha Freight", "Gamma Soft", "Delta Retail"]],
    ["icp=0", ["Beta Health", "Delta Retail"]],
    ["pages=%2Fpricing*", ["Alpha Freight", "Delta Retail"]],
    ["pages=%2Fpricing+%2Fdocs", ["Gamma Soft", "Delta Retail"]],
    ["pages=%2Fpricing*&icp=1", ["Alpha Freight"]],
  ])("narrow to %s", async (query, expected) => {
    const { browser: b, home } = await adminWithCompanies();
    const page = await b.get(`${home}/companies?${query}`);
    expect(page.status).toBe(200);
    expect(feedNames(page.html)).toEqual(expected);
  });

  it("show every value they hold, one field each, and report what they cannot understand", async () => {
    const { browser: b, home } = await adminWithCompanies();
    const page = (await b.get(`${home}/companies?industry=Software&industry=Retail&score=60&pages=%2Fpricing*`)).html;
    expect(page).toMatch(
      /<label for="industry">Industry<\/label><input id="industry" name="industry" value="Software"/,
    );
    expect(page).toMatch(
      /<label for="industry-2">Or industry<\/label><input id="industry-2" name="industry" value="Retail"/,
    );
    expect(page).toContain('name="score" type="number" min="0" max="100" step="1" value="60"');
    expect(page).toContain('name="pages" value="/pricing*"');
    const bad = await b.get(`${home}/companies?score=high&pages=pricing&country=USA`);
    expect(bad.status).toBe(200);
    expect(bad.html).toContain("The ICP score must be a whole number from 0 to 100.");
    expect(bad.html).toContain("Pages are paths starting with /");
    expect(bad.html).toContain("The country must be a two-letter code such as US.");
  });
});

describe("saved views", () => {
  it("a client admin saves the filtered feed; the view is in the navigation, opens the feed and its export with its filter, and is deleted", async () => {
    const { api, organization, browser: b, home } = await adminWithCompanies();
    const filtered = await b.get(`${home}/companies?pages=%2Fpricing*&country=US&from=2020-01-01`);
    expect(filtered.html).toContain("A saved view keeps the filters, not the dates.");
    const fields = formFields(filtered.html, `${home}/views`).map(([k, v]) =>
      k === "name" ? ([k, "US pricing visitors"] as [string, string]) : [k, v],
    ) as [string, string][];
    expect(fields.filter(([k]) => k !== "_csrf")).toEqual([
      ["country", "US"],
      ["pages", "/pricing*"],
      ["name", "US pricing visitors"],
    ]);
    const saved = await post(b, `${home}/views`, fields);
    expect(saved.status, saved.html).toBe(303);
    const viewId = saved.location!.match(/view=(seg_\w+)/)![1]!;

    const view = await b.get(saved.location!);
    expect(view.html).toContain("<h1>US pricing visitors</h1>");
    expect(view.html).toContain("View saved: it is listed under Saved views.");
    expect(view.html).toMatch(/<summary>Saved views \(1\)<\/summary>/);
    expect(view.html).toContain(
      `<a href="${home}/companies?view=${viewId}" aria-current="page">US pricing visitors</a>`,
    );
    expect(feedNames(view.html)).toEqual(["Alpha Freight", "Delta Retail"]);
    // Every other page lists it too.
    expect((await b.get(home)).html).toContain(`href="${home}/companies?view=${viewId}"`);

    // The same segment through the API, and the same visitors.
    const segment = (await api("GET", `/organizations/${organization.id}/segments/${viewId}`)).body.segment;
    expect(segment).toMatchObject({ name: "US pricing visitors", filter: { countries: ["US"], pages: ["/pricing*"] } });
    const listed = await api("GET", `/organizations/${organization.id}/visitors?segmentId=${viewId}`);
    expect(listed.body.visitors.map((v: { company: { name: string } }) => v.company.name)).toEqual(
      feedNames(view.html),
    );

    // The export of the view holds its rows.
    const csv = await b.get(`${home}/companies.csv?view=${viewId}`);
    expect(csv.status).toBe(200);
    expect(
      csv.html
        .split("\r\n")
        .slice(1, -1)
        .map((line) => line.split(",")[0]),
    ).toEqual(feedNames(view.html));
    expect(view.html).toContain(`href="${home}/companies.csv?view=${viewId}"`);

    const log = await api("GET", `/audit-log?organizationId=${organization.id}`);
    expect(log.body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: "segment.created",
          actor: expect.objectContaining({ type: "client_user", email: "jane@client.example" }),
        }),
        expect.objectContaining({ action: "companies.exported", details: expect.objectContaining({ viewId }) }),
      ]),
    );

    const deleted = await post(b, `${home}/views/${viewId}/delete`, [["_csrf", csrfOf(view.html)]]);
    expect(deleted).toMatchObject({ status: 303, location: `${home}/companies?deleted=1` });
    const after = await b.get(deleted.location!);
    expect(after.html).toContain("The saved view was deleted.");
    expect(after.html).not.toContain("Saved views (");
    expect((await api("GET", `/organizations/${organization.id}/segments`)).body.total).toBe(0);
    const gone = await b.get(`${home}/companies?view=${viewId}`);
    expect(gone.html).toContain("That saved view does not exist any more.");
    expect(feedNames(gone.html)).toHaveLength(4);
    expect((await b.get(`${home}/companies.csv?view=${viewId}`)).status).toBe(404);
  });

  it("a name already used is refused on the page (409), the filter and the name kept", async () => {
    const { api, organization, browser: b, home } = await adminWithCompanies();
    await api("POST", `/organizations/${organization.id}/segments`, { name: "ICP", filter: { icpMatched: true } });
    const page = await b.get(`${home}/companies?icp=1`);
    const fields = formFields(page.html, `${home}/views`).map(([k, v]) => [k, k === "name" ? "icp" : v]) as [
      string,
      string,
    ][];
    const refused = await post(b, `${home}/views`, fields);
    expect(refused.status).toBe(409);
    expect(refused.html).toContain("A view named “icp” exists already: choose another name.");
    expect(refused.html).toContain('name="name" required="" maxlength="100" value="icp"');
    expect(feedNames(refused.html)).toEqual(["Alpha Freight", "Gamma Soft"]);
    const unnamed = await post(
      b,
      `${home}/views`,
      fields.map(([k, v]) => [k, k === "name" ? " " : v]),
    );
    expect(unnamed.status).toBe(400);
    expect(unnamed.html).toContain("Give the view a name.");
    expect((await api("GET", `/organizations/${organization.id}/segments`)).body.total).toBe(1);
  });

  it("a viewer opens saved views but cannot save or delete one", async () => {
    const owner = await newOrganization();
    await seedCompanies(owner.organization.id);
    const segment = (
      await owner.api("POST", `/organizations/${owner.organization.id}/segments`, {
        name: "Software",
        filter: { industries: ["Software"] },
      })
    ).body.segment;
    const { browser: b, home } = await signedInClient(owner.api, owner.organization.id, "viewer");
    const view = await b.get(`${home}/companies?view=${segment.id}`);
    expect(feedNames(view.html)).toEqual(["Gamma Soft"]);
    expect(view.html).not.toContain("Delete this view");
    expect((await b.get(`${home}/companies?industry=Retail`)).html).not.toContain("Save this view");
    const csrf = csrfOf(view.html);
    const saved = await post(b, `${home}/views`, [
      ["_csrf", csrf],
      ["name", "Mine"],
      ["industry", "Retail"],
    ]);
    expect(saved.status).toBe(404);
    expect((await post(b, `${home}/views/${segment.id}/delete`, [["_csrf", csrf]])).status).toBe(404);
    expect((await owner.api("GET", `/organizations/${owner.organization.id}/segments`)).body.total).toBe(1);
  });

  it("a view an alert rule reads is not deleted from the page: the answer names the rule", async () => {
    const { api, organization, browser: b, home } = await adminWithCompanies();
    const segment = (
      await api("POST", `/organizations/${organization.id}/segments`, { name: "Watched", filter: { icpMatched: true } })
    ).body.segment;
    const rule = await api("POST", `/organizations/${organization.id}/alerts`, {
      name: "Pricing alert",
      trigger: "identified",
      segmentId: segment.id,
      channels: [{ type: "slack", webhookUrl: receiverBucket().url("ok") }],
    });
    expect(rule.status, rule.text).toBe(201);
    const view = await b.get(`${home}/companies?view=${segment.id}`);
    const refused = await post(b, `${home}/views/${segment.id}/delete`, [["_csrf", csrfOf(view.html)]]);
    expect(refused.status).toBe(409);
    expect(refused.html).toContain("alert rules use it (“Pricing alert”)");
    expect(feedNames(refused.html)).toEqual(["Alpha Freight", "Gamma Soft"]);
    expect((await api("GET", `/organizations/${organization.id}/segments/${segment.id}`)).status).toBe(200);
  });

  it("another organization's view is not found, and a forged form is refused", async () => {
    const { browser: b, home } = await adminWithCompanies();
    const other = await newOrganization();
    const theirs = (
      await other.api("POST", `/organizations/${other.organization.id}/segments`, { name: "Theirs", filter: {} })
    ).body.segment;
    const page = await b.get(`${home}/companies?view=${theirs.id}`);
    expect(page.html).toContain("That saved view does not exist any more.");
    expect((await post(b, `${home}/views/${theirs.id}/delete`, [["_csrf", csrfOf(page.html)]])).status).toBe(404);
    expect((await other.api("GET", `/organizations/${other.organization.id}/segments`)).body.total).toBe(1);
    const forged = await post(b, `${home}/views`, [
      ["_csrf", "0".repeat(64)],
      ["name", "Forged"],
    ]);
    expect(forged.status).toBe(403);
    const stranger = cookieJar();
    expect((await stranger.post(`${home}/views`, { name: "x" })).status).toBe(401);
  });
});
