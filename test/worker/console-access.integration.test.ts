import { describe, expect, it } from "vitest";
import { asPartner, expectEnvelope } from "./support/api";
import { newOrganization } from "./support/partners";
import { awayFromWindowEdge } from "./support/time";
import {
  auditOf,
  clientPath,
  consoleAs,
  createClient,
  DASHBOARD_PER_MINUTE,
  formOf,
  organizationOf,
} from "./support/console";
import { csrfOf } from "./support/dashboard";
import { newRecipient } from "./support/mailbox";

/**
 * Who may post the console's actions: by console role (a viewer reads, staff change clients, an
 * admin also allocates credits), with the session's CSRF token, within `DASHBOARD_LIMITER`, and
 * only on the partner's own clients. A refused post changes nothing.
 */

describe("who may act in the console", { timeout: 30_000 }, () => {
  it("a viewer reads the console and opens dashboards as a viewer, but every change is refused with 403", async () => {
    const { api, organization } = await newOrganization({ initialCredits: 100 });
    const b = await consoleAs(api, "viewer");
    const page = await b.get(clientPath(organization.id));
    expect(page.status).toBe(200);
    expect(page.html).not.toContain("Save allocation");
    expect(page.html).not.toContain("Pause client");
    expect(page.html).not.toContain("Send link");
    expect((await b.get("/app/console")).html).not.toContain("New client");
    const _csrf = csrfOf(page.html);
    const refused = [
      await b.post(`${clientPath(organization.id)}/credits`, { _csrf, credits: "900", expected: "100" }),
      await b.post(`${clientPath(organization.id)}/status`, { _csrf, enabled: "0" }),
      await b.post(`${clientPath(organization.id)}/dashboard-links`, { _csrf, email: newRecipient(), role: "admin" }),
      await b.post("/app/console/clients/new", { _csrf, request: "a".repeat(32), name: "X", website: "x.example" }),
      await b.get("/app/console/clients/new"),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
    expect(refused[0]!.html).toContain("Your role in this console cannot do this.");
    expect(await organizationOf(api, organization.id)).toMatchObject({ credits: 100, status: "active" });
    expect((await api("GET", "/organizations")).body.organizations).toHaveLength(1);
    expect((await api("GET", `/audit-log?organizationId=${organization.id}`)).body.entries).toEqual([]);

    const opened = await b.post(`${clientPath(organization.id)}/open`, { _csrf });
    expect(opened.status).toBe(303);
    expect((await b.get(`/app/o/${organization.id}/exclusions`)).status).toBe(404);
    const sessions = (await api("GET", `/sessions?organizationId=${organization.id}`)).body.sessions;
    expect(sessions).toEqual([expect.objectContaining({ role: "viewer", openedBy: "viewer@agency.example" })]);
  });

  it("staff change clients but do not allocate credits; a console admin link needs the admin scope", async () => {
    const { api, organization } = await newOrganization({ initialCredits: 100 });
    const b = await consoleAs(api, "staff");
    const page = await b.get(clientPath(organization.id));
    expect(page.html).not.toContain("Save allocation");
    const _csrf = csrfOf(page.html);
    const credits = await b.post(`${clientPath(organization.id)}/credits`, { _csrf, credits: "900", expected: "100" });
    expect(credits.status).toBe(403);
    const withCredits = await createClient(b, { name: "Staff Client", website: "staff.example", credits: "50" });
    expect(withCredits.answer.status).toBe(400);
    expect(withCredits.answer.html).toContain("Only console admins allocate credits");
    const without = await createClient(b, { name: "Staff Client", website: "staff.example" });
    expect(without.answer.status).toBe(303);
    expect((await organizationOf(api, organization.id)).credits).toBe(100);

    const key = await api("POST", "/api-keys", { name: "App backend", scopes: ["write"] });
    expect(key.status, key.text).toBe(201);
    const writeOnly = asPartner(key.body.plainKey);
    expectEnvelope(
      await writeOnly("POST", "/console-links", { email: "a@agency.example", role: "admin" }),
      403,
      "Forbidden",
    );
    expect((await writeOnly("POST", "/console-links", { email: "a@agency.example", role: "staff" })).status).toBe(201);
  });

  it("every action is a CSRF-checked form, and another partner's client is a 404", async () => {
    const { api, organization } = await newOrganization({ initialCredits: 100 });
    const other = await newOrganization();
    const b = await consoleAs(api, "admin");
    const forged = await b.post(`${clientPath(organization.id)}/credits`, {
      _csrf: "0".repeat(64),
      credits: "5",
      expected: "100",
    });
    expect(forged.status).toBe(403);
    expect(forged.html).toContain("This form has expired");
    const foreign = await b.post(
      `${clientPath(organization.id)}/status`,
      { enabled: "0" },
      { origin: "https://evil.example" },
    );
    expect(foreign.status).toBe(403);
    expect((await organizationOf(api, organization.id)).status).toBe("active");
    const _csrf = csrfOf((await b.get(clientPath(organization.id))).html);
    expect((await b.get(clientPath(other.organization.id))).status).toBe(404);
    for (const action of ["credits", "status", "dashboard-links"]) {
      const answer = await b.post(`${clientPath(other.organization.id)}/${action}`, {
        _csrf,
        enabled: "0",
        credits: "1",
        expected: "100",
      });
      expect(answer.status, action).toBe(404);
    }
    expect((await organizationOf(other.api, other.organization.id)).status).toBe("active");
  });

  it(
    "form posts count against DASHBOARD_LIMITER: past it, an allocation is a 429 and changes nothing",
    { timeout: 90_000 },
    async () => {
      await awayFromWindowEdge();
      const { api, organization } = await newOrganization({ initialCredits: 100 });
      const b = await consoleAs(api, "admin");
      const action = `${clientPath(organization.id)}/credits`;
      const form = formOf((await b.get(clientPath(organization.id))).html, action);
      const statuses: number[] = [];
      for (let i = 0; i < DASHBOARD_PER_MINUTE; i++) {
        statuses.push((await b.post(action, { ...form, _csrf: "0".repeat(64), credits: "900" })).status);
      }
      expect(statuses.filter((s) => s === 403).length).toBeGreaterThan(DASHBOARD_PER_MINUTE - 10);
      const limited = await b.post(action, { ...form, credits: "900" });
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBeTruthy();
      expect((await organizationOf(api, organization.id)).credits).toBe(100);
      expect(await auditOf(api, organization.id, "credits.allocated")).toEqual([]);
    },
  );
});
