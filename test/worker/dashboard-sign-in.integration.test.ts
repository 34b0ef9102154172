import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../worker/lib/crypto";
import { browser, csrfOf, dashboardLink, signedInClient, signedInConsole, sql } from "./support/dashboard";
import { expectEnvelope } from "./support/api";
import { newOrganization } from "./support/partners";
import { seedVisitors } from "./support/visitors";

/**
 * Sign-in without passwords: the partner's app asks for a link, the person opens it once and
 * gets a session; every rule a partner and a client can observe.
 */

const tokenHash = (url: string) => sha256Hex(url.split("/sign-in/")[1]!);

describe("a dashboard link", () => {
  it("is created for the partner's backend: single use, valid 10 minutes, on this host under /app", async () => {
    const { api, organization } = await newOrganization();
    const before = Date.now();
    const res = await api("POST", `/organizations/${organization.id}/dashboard-links`, {
      email: "jane@client.example",
      role: "admin",
    });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { url, expiresAt } = res.body.dashboardLink;
    expect(url).toMatch(/^https:\/\/api\.test\/app\/sign-in\/[0-9a-f]{64}$/);
    const ttl = Date.parse(expiresAt) - before;
    expect(ttl).toBeGreaterThan(9 * 60_000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000 + 1_000);
  });

  it("refuses bad emails and roles with a 400 naming the field, and canceled organizations with a 422", async () => {
    const { api, organization } = await newOrganization();
    const path = `/organizations/${organization.id}/dashboard-links`;
    const badEmail = await api("POST", path, { email: "not-an-email" });
    expectEnvelope(badEmail, 400, "BadRequest");
    expect(badEmail.body.details[0].field).toBe("email");
    const badRole = await api("POST", path, { email: "a@b.example", role: "owner" });
    expectEnvelope(badRole, 400, "BadRequest");
    expect(badRole.body.details[0].field).toBe("role");
    expect((await api("DELETE", `/organizations/${organization.id}`)).status).toBe(204);
    expectEnvelope(await api("POST", path, { email: "a@b.example" }), 422, "UnprocessableEntity");
  });

  it("opened once, starts a session: an HttpOnly, Secure, SameSite=Lax, host-only cookie and a redirect to the overview", async () => {
    const { api, organization } = await newOrganization();
    const link = await dashboardLink(api, organization.id);
    const b = browser();
    const opened = await b.get(link.url);
    expect(opened.status).toBe(303);
    expect(opened.location).toBe(`/app/o/${organization.id}`);
    const cookie = opened.headers.getSetCookie().find((c) => c.startsWith("__Host-session="))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
    const overview = await b.get(opened.location!);
    expect(overview.status, overview.html).toBe(200);
    expect(overview.html).toContain("<h1>Overview</h1>");
  });

  it("opened a second time, shows that it was used and starts no session", async () => {
    const { api, organization } = await newOrganization();
    const link = await dashboardLink(api, organization.id);
    expect((await browser().get(link.url)).status).toBe(303);
    const again = browser();
    const reused = await again.get(link.url);
    expect(reused.status).toBe(410);
    expect(reused.html).toContain("This sign-in link was already used");
    expect(reused.headers.getSetCookie()).toEqual([]);
    expect((await again.get(`/app/o/${organization.id}`)).status).toBe(401);
    const sessions = await api("GET", `/sessions?organizationId=${organization.id}&status=all`);
    expect(sessions.body.total).toBe(1);
  });

  it("opened by two browsers at once, starts exactly one session", async () => {
    const { api, organization } = await newOrganization();
    const link = await dashboardLink(api, organization.id);
    const results = await Promise.all(Array.from({ length: 5 }, () => browser().get(link.url)));
    expect(results.map((r) => r.status).sort()).toEqual([303, 410, 410, 410, 410]);
    expect((await api("GET", `/sessions?organizationId=${organization.id}`)).body.total).toBe(1);
  });

  it("once expired, shows that it expired and starts no session", async () => {
    const { api, organization } = await newOrganization();
    const link = await dashboardLink(api, organization.id);
    await sql(
      "UPDATE sign_in_links SET expires_at = ? WHERE token_hash = ?",
      "2000-01-01T00:00:00Z",
      await tokenHash(link.url),
    );
    const b = browser();
    const expired = await b.get(link.url);
    expect(expired.status).toBe(410);
    expect(expired.html).toContain("This sign-in link has expired");
    expect(b.cookies.size).toBe(0);
  });

  it("is not spent by a link checker's HEAD request", async () => {
    const { api, organization } = await newOrganization();
    const link = await dashboardLink(api, organization.id);
    const probe = await exports.default.fetch(link.url, { method: "HEAD", redirect: "manual" });
    expect(probe.status).toBe(200);
    expect(probe.headers.getSetCookie()).toEqual([]);
    expect((await browser().get(link.url)).status).toBe(303);
  });

  it("is refused on any other host than the one it points to", async () => {
    const { api, organization } = await newOrganization();
    const link = await dashboardLink(api, organization.id);
    const elsewhere = await browser("https://other.test").get(
      link.url.replace("https://api.test", "https://other.test"),
    );
    // Not a platform host (nor a partner's domain): nothing of the dashboards answers there.
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.headers.get("set-cookie")).toBeNull();
    expect((await browser().get(link.url)).status).toBe(303);
  });

  it("that is garbage shows the not-valid page", async () => {
    const res = await browser().get("/app/sign-in/nope");
    expect(res.status).toBe(404);
    expect(res.html).toContain("This sign-in link is not valid");
  });
});

describe("a session", () => {
  it("ends after 12 hours without a request", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id);
    expect((await b.get(home)).status).toBe(200);
    const [session] = (await api("GET", `/sessions?organizationId=${organization.id}`)).body.sessions;
    await sql(
      "UPDATE dashboard_sessions SET last_seen_at = ? WHERE id = ?",
      isoAgo(12 * 3600_000 + 60_000),
      session.id,
    );
    const after = await b.get(home);
    expect(after.status).toBe(401);
    expect(after.html).toContain("You are signed out");
    const listed = await api("GET", `/sessions?organizationId=${organization.id}&status=expired`);
    expect(listed.body.sessions.map((s: { id: string }) => s.id)).toEqual([session.id]);
  });

  it("stays alive while used, and its activity is written at most once a minute", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id);
    const [session] = (await api("GET", `/sessions?organizationId=${organization.id}`)).body.sessions;
    const elevenHoursAgo = isoAgo(11 * 3600_000);
    await sql("UPDATE dashboard_sessions SET last_seen_at = ? WHERE id = ?", elevenHoursAgo, session.id);
    expect((await b.get(home)).status).toBe(200);
    await expect
      .poll(async () => (await api("GET", `/sessions?organizationId=${organization.id}`)).body.sessions[0].lastSeenAt)
      .not.toBe(elevenHoursAgo);
  });

  it("ends 7 days after it started, however active", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id);
    const [session] = (await api("GET", `/sessions?organizationId=${organization.id}`)).body.sessions;
    await sql("UPDATE dashboard_sessions SET expires_at = ? WHERE id = ?", isoAgo(1_000), session.id);
    expect((await b.get(home)).status).toBe(401);
  });

  it("ends at sign-out; the partner then lists it as signed out", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id);
    const page = await b.get(home);
    const out = await b.post(`${home}/sign-out`, { _csrf: csrfOf(page.html) });
    expect(out.status).toBe(200);
    expect(out.html).toContain("You have signed out");
    expect(b.cookies.size).toBe(0);
    const all = (await api("GET", `/sessions?organizationId=${organization.id}&status=all`)).body.sessions;
    expect(all[0]).toMatchObject({ status: "signed_out", endedAt: expect.any(String) });
  });

  it("is listed and revoked by the partner through the API, and its next request is signed out", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id, "admin");
    const listed = await api("GET", "/sessions");
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toEqual([
      expect.objectContaining({
        kind: "dashboard",
        organizationId: organization.id,
        email: "jane@client.example",
        role: "admin",
        host: "api.test",
        status: "active",
        openedBy: null,
      }),
    ]);
    const id = listed.body.sessions[0].id;
    expect((await api("DELETE", `/sessions/${id}`)).status).toBe(204);
    expect((await api("DELETE", `/sessions/${id}`)).status).toBe(204);
    expect((await b.get(home)).status).toBe(401);
    expect((await api("GET", "/sessions")).body.sessions).toEqual([]);
    const revoked = await api("GET", "/sessions?status=revoked");
    expect(revoked.body.sessions[0]).toMatchObject({ id, status: "revoked" });
    const log = await api("GET", "/audit-log?action=session.revoked");
    expect(log.body.entries[0]).toMatchObject({ organizationId: organization.id, details: { sessionId: id } });
  });

  it("ends when the organization is deleted", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id);
    expect((await api("DELETE", `/organizations/${organization.id}`)).status).toBe(204);
    expect((await b.get(home)).status).toBe(401);
  });
});

describe("forms", () => {
  async function exclusionsForm() {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id, "admin");
    const page = await b.get(`${home}/exclusions`);
    expect(page.status, page.html).toBe(200);
    return { api, organization, b, path: `${home}/exclusions`, csrf: csrfOf(page.html) };
  }
  const exclusions = async (api: Awaited<ReturnType<typeof exclusionsForm>>["api"], id: string) =>
    (await api("GET", `/organizations/${id}/exclusions`)).body;

  it("are accepted with the session's CSRF token, from the dashboard's own origin", async () => {
    const { api, organization, b, path, csrf } = await exclusionsForm();
    const saved = await b.post(path, { _csrf: csrf, domains: "Rival.example\n", ipRanges: "203.0.113.7" });
    expect(saved.status).toBe(303);
    expect(await exclusions(api, organization.id)).toMatchObject({
      domains: ["rival.example"],
      ipRanges: ["203.0.113.7/32"],
    });
  });

  it.each([
    [
      "without a token",
      (csrf: string) => ({ form: { domains: "a.example" }, origin: undefined as string | null | undefined, csrf }),
    ],
    [
      "with another token",
      (csrf: string) => ({ form: { _csrf: "0".repeat(64), domains: "a.example" }, origin: undefined, csrf }),
    ],
    [
      "from another origin",
      (csrf: string) => ({ form: { _csrf: csrf, domains: "a.example" }, origin: "https://evil.example" }),
    ],
    ["with no origin at all", (csrf: string) => ({ form: { _csrf: csrf, domains: "a.example" }, origin: null })],
  ])("are refused %s (403) and change nothing", async (_, make) => {
    const { api, organization, b, path, csrf } = await exclusionsForm();
    const attempt = make(csrf);
    const res = await b.post(path, attempt.form, { origin: attempt.origin });
    expect(res.status).toBe(403);
    expect(res.html).toContain("This form has expired");
    expect(await exclusions(api, organization.id)).toMatchObject({ domains: [], ipRanges: [], updatedAt: null });
  });

  it("of one session are refused with another session's token", async () => {
    const { b, path } = await exclusionsForm();
    const other = await exclusionsForm();
    expect((await b.post(path, { _csrf: other.csrf, domains: "a.example" })).status).toBe(403);
  });

  it("sign-out is refused without the token, and the session lives on", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id);
    expect((await b.post(`${home}/sign-out`, {})).status).toBe(403);
    expect((await b.get(home)).status).toBe(200);
  });
});

describe("a client session", () => {
  it("sees its own organization only: another organization's pages, the console and unknown ids answer 404", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id, "admin");
    const other = await api("POST", "/organizations", { name: "Other client", tier: "paid", initialCredits: 10 });
    const foreign = await newOrganization();
    const { visitorId } = await aVisitorOf(foreign.organization.id);
    for (const id of [other.body.organization.id, foreign.organization.id]) {
      for (const suffix of ["", "/companies", "/companies.csv", `/companies/${visitorId}`, "/exclusions"]) {
        const res = await b.get(`/app/o/${id}${suffix}`);
        expect(res.status, `${id}${suffix}`).toBe(404);
        expect(res.html).toContain("Page not found");
      }
      expect((await b.post(`/app/o/${id}/exclusions`, { domains: "x.example" })).status).toBe(404);
    }
    expect((await b.get(`${home}/companies/${visitorId}`)).status).toBe(404);
    expect((await b.get(`${home}/companies/vis_${"0".repeat(32)}`)).status).toBe(404);
    expect((await b.get("/app/console")).status).toBe(401);
  });

  it("of a viewer has no exclusions page; an admin's has", async () => {
    const { api, organization } = await newOrganization();
    const viewer = await signedInClient(api, organization.id, "viewer");
    expect((await viewer.browser.get(`${viewer.home}/exclusions`)).status).toBe(404);
    expect((await viewer.browser.get(viewer.home)).html).not.toContain("/exclusions");
    const admin = await signedInClient(api, organization.id, "admin");
    expect((await admin.browser.get(`${admin.home}/exclusions`)).status).toBe(200);
    expect((await admin.browser.get(admin.home)).html).toContain(`href="${admin.home}/exclusions"`);
  });

  it("without a cookie, every page says signed out (401)", async () => {
    const { organization } = await newOrganization();
    expect((await browser().get("/app/")).location).toBe("/app");
    for (const path of ["/app", `/app/o/${organization.id}`, `/app/o/${organization.id}/companies`, "/app/console"]) {
      const res = await browser().get(path);
      expect(res.status, path).toBe(401);
      expect(res.html).toContain("You are signed out");
    }
  });
});

describe("the console", () => {
  it("opens from a console link, and opening a client's dashboard is in the audit log the API reads", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInConsole(api);
    expect(home).toBe("/app/console");
    const page = await b.get(home);
    expect(page.status).toBe(200);
    expect(page.html).toContain(organization.name);
    const opened = await b.post(`/app/console/clients/${organization.id}/open`, { _csrf: csrfOf(page.html) });
    expect(opened.status).toBe(303);
    expect(opened.location).toBe(`/app/o/${organization.id}`);
    const dashboard = await b.get(opened.location!);
    expect(dashboard.status).toBe(200);
    expect(dashboard.html).toContain("from the console");
    const log = await api("GET", `/audit-log?organizationId=${organization.id}&action=client_dashboard.opened`);
    expect(log.body.entries).toEqual([
      expect.objectContaining({
        action: "client_dashboard.opened",
        organizationId: organization.id,
        actor: expect.objectContaining({ type: "console_user", email: "staff@agency.example" }),
      }),
    ]);
    const sessions = await api("GET", `/sessions?organizationId=${organization.id}`);
    expect(sessions.body.sessions[0]).toMatchObject({ role: "admin", openedBy: "staff@agency.example" });
  });

  it("does not open another partner's client", async () => {
    const { api } = await newOrganization();
    const foreign = await newOrganization();
    const { browser: b, home } = await signedInConsole(api);
    const page = await b.get(home);
    const res = await b.post(`/app/console/clients/${foreign.organization.id}/open`, { _csrf: csrfOf(page.html) });
    expect(res.status).toBe(404);
    expect(b.cookies.has("__Host-session")).toBe(false);
  });

  it("signs out with its own form", async () => {
    const { api } = await newOrganization();
    const { browser: b, home } = await signedInConsole(api);
    const page = await b.get(home);
    const out = await b.post("/app/console/sign-out", { _csrf: csrfOf(page.html) });
    expect(out.status).toBe(200);
    expect(out.html).toContain("You have signed out");
    expect((await b.get(home)).status).toBe(401);
  });

  it("is not reachable with a client's dashboard session", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b } = await signedInClient(api, organization.id, "admin");
    expect((await b.get("/app/console")).status).toBe(401);
  });
});

describe("the audit log", () => {
  it("records links created, sessions started and exports, newest first, filterable, 404 for a foreign organization", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id);
    expect((await b.get(`${home}/companies.csv`)).status).toBe(200);
    const log = await api("GET", `/audit-log?organizationId=${organization.id}`);
    expect(log.body.entries.map((e: { action: string }) => e.action)).toEqual([
      "companies.exported",
      "session.started",
      "dashboard_link.created",
    ]);
    expect(log.body.entries[2].actor).toMatchObject({ type: "api_key", email: null });
    expect(log.body.entries[1].actor).toMatchObject({ type: "client_user", email: "jane@client.example" });
    const foreign = await newOrganization();
    expectEnvelope(await api("GET", `/audit-log?organizationId=${foreign.organization.id}`), 404, "NotFound");
  });
});

function isoAgo(ms: number) {
  return new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A visitor row of the organization, written as the consumer would have (for id-based page checks). */
async function aVisitorOf(organizationId: string) {
  const [visitorId] = await seedVisitors(organizationId, [
    { name: "Somebody Else", lastSeen: Math.floor(Date.now() / 1000) - 60 },
  ]);
  return { visitorId };
}
