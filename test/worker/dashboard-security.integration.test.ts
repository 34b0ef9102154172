import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_FORM_BYTES } from "../../worker/dashboard";
import { sha256Hex } from "../../worker/lib/crypto";
import { forgetFailures } from "../../worker/rate-limit/failures";
import worker from "../../worker/index";
import { browser, csrfOf, dashboardLink, signedInClient, signedInConsole, sql } from "./support/dashboard";
import { BASE, expectEnvelope } from "./support/api";
import { newOrganization, tenantOf } from "./support/partners";
import { freshIp } from "./support/hits";
import { awayFromWindowEdge } from "./support/time";

/**
 * The dashboard against a hostile world: what an attacker can make it spend, which sessions a
 * revocation ends, what another site can make a signed-in browser do, and bounded bodies and lists.
 * Findings N2, N5, N6, N7, N12 and N13 of docs/security.md.
 */

/** `FAILURE_LIMITER` and `DASHBOARD_LIMITER` in wrangler.toml, per minute. */
const FAILURES_PER_MINUTE = 30;
const DASHBOARD_PER_MINUTE = 120;
const WINDOW_TIMEOUT = 90_000;

const randomHex64 = () => (crypto.randomUUID() + crypto.randomUUID()).replace(/-/g, "");

/** The catalog, counting the statements prepared on it. */
function countingCatalog() {
  let statements = 0;
  const db = new Proxy(env.CATALOG, {
    get(target, key) {
      if (key === "prepare")
        return (query: string) => {
          statements++;
          return target.prepare(query);
        };
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db, statements: () => statements };
}

interface ListedSession {
  id: string;
  kind: "dashboard" | "console";
  status: string;
  expiresAt: string;
}

/** A dashboard page served by the Worker with these bindings in place of the real ones. */
async function pageWith(bindings: Partial<typeof env>, path: string, address: string) {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(
    new Request(`${BASE}${path}`, { headers: { "cf-connecting-ip": address } }) as Request<
      unknown,
      IncomingRequestCfProperties
    >,
    { ...env, ...bindings },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const sessionsOf = async (api: Awaited<ReturnType<typeof newOrganization>>["api"], query: string) =>
  (await api("GET", `/sessions?${query}`)).body.sessions as ListedSession[];

describe("unauthenticated dashboard requests (N2)", () => {
  it(
    "N2: random sign-in tokens cost one catalog read each until the address is over its budget, then nothing",
    { timeout: WINDOW_TIMEOUT },
    async () => {
      forgetFailures();
      await awayFromWindowEdge();
      const catalog = countingCatalog();
      const address = freshIp();
      const statuses: number[] = [];
      for (let i = 0; i < 2 * FAILURES_PER_MINUTE; i++) {
        const res = await pageWith({ CATALOG: catalog.db }, `/app/sign-in/${randomHex64()}`, address);
        statuses.push(res.status);
      }
      expect(statuses.filter((s) => s === 404)).toHaveLength(FAILURES_PER_MINUTE);
      expect(statuses.slice(FAILURES_PER_MINUTE).every((s) => s === 429)).toBe(true);
      // One SELECT per token looked up (no write for a token that matches nothing), none once refused.
      expect(catalog.statements()).toBe(FAILURES_PER_MINUTE + 1);
      const refused = await pageWith({}, `/app/sign-in/${randomHex64()}`, address);
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("60");
      expect(refused.text).toContain("Too many requests");
      // Another address is unaffected.
      expect((await browser().get(`/app/sign-in/${randomHex64()}`)).status).toBe(404);
      forgetFailures();
    },
  );

  it(
    "N2: made-up session cookies are counted the same way, while a browser signed in from that address keeps working",
    { timeout: WINDOW_TIMEOUT },
    async () => {
      forgetFailures();
      await awayFromWindowEdge();
      const { api, organization } = await newOrganization();
      const { browser: colleague, home } = await signedInClient(api, organization.id);
      expect((await colleague.get(home)).status).toBe(200);
      const attacker = browser(undefined, colleague.address);
      const statuses: number[] = [];
      for (let i = 0; i <= FAILURES_PER_MINUTE; i++) {
        attacker.cookies.set("__Host-console", randomHex64());
        statuses.push((await attacker.get("/app/console")).status);
      }
      expect(statuses.slice(0, FAILURES_PER_MINUTE).every((s) => s === 401)).toBe(true);
      attacker.cookies.set("__Host-console", randomHex64());
      expect((await attacker.get("/app/console")).status).toBe(429);
      expect((await colleague.get(home)).status).toBe(200);
      forgetFailures();
    },
  );

  it("a browser whose session ended forgets its cookie, so it stops costing lookups", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id);
    const [session] = await sessionsOf(api, `organizationId=${organization.id}`);
    expect((await api("DELETE", `/sessions/${session!.id}`)).status).toBe(204);
    const after = await b.get(home);
    expect(after.status).toBe(401);
    expect(b.cookies.has("__Host-session")).toBe(false);
  });
});

describe("sessions opened from the console (N5)", () => {
  async function consoleWithClient() {
    const owner = await newOrganization();
    const staff = await signedInConsole(owner.api);
    const page = await staff.browser.get(staff.home);
    const opened = await staff.browser.post(`/app/console/clients/${owner.organization.id}/open`, {
      _csrf: csrfOf(page.html),
    });
    expect(opened.status).toBe(303);
    const client = opened.location!;
    expect((await staff.browser.get(client)).status).toBe(200);
    const consoleSession = (await sessionsOf(owner.api, "")).find((s) => s.kind === "console")!;
    return { ...owner, ...staff, page, client, consoleSession };
  }

  it("N5: revoking a console session through the API also ends the client dashboards opened from it", async () => {
    const { api, organization, browser: b, home, client, consoleSession } = await consoleWithClient();
    expect((await api("DELETE", `/sessions/${consoleSession.id}`)).status).toBe(204);
    expect((await b.get(home)).status).toBe(401);
    expect((await b.get(client)).status).toBe(401);
    const ended = await sessionsOf(api, `organizationId=${organization.id}&status=revoked`);
    expect(ended).toHaveLength(1);
  });

  it("N5: signing out of the console also ends the client dashboards opened from it", async () => {
    const { organization, browser: b, home, page, client, api } = await consoleWithClient();
    const out = await b.post("/app/console/sign-out", { _csrf: csrfOf(page.html) });
    expect(out.status).toBe(200);
    expect((await b.get(home)).status).toBe(401);
    expect((await b.get(client)).status).toBe(401);
    expect(await sessionsOf(api, `organizationId=${organization.id}`)).toEqual([]);
  });

  it("N5: a client dashboard opened from the console never outlives the console session", async () => {
    const owner = await newOrganization();
    const staff = await signedInConsole(owner.api);
    const consoleSession = (await sessionsOf(owner.api, "")).find((s) => s.kind === "console");
    const consoleEnd = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await sql("UPDATE dashboard_sessions SET expires_at = ? WHERE id = ?", consoleEnd, consoleSession!.id);
    const page = await staff.browser.get(staff.home);
    await staff.browser.post(`/app/console/clients/${owner.organization.id}/open`, { _csrf: csrfOf(page.html) });
    const [client] = await sessionsOf(owner.api, `organizationId=${owner.organization.id}`);
    expect(Date.parse(client!.expiresAt)).toBeLessThanOrEqual(Date.parse(consoleEnd));
    const cookie = staff.browser.cookies.get("__Host-session")!;
    const row = await env.CATALOG.prepare("SELECT expires_at FROM dashboard_sessions WHERE secret_hash = ?")
      .bind(await sha256Hex(cookie))
      .first<{ expires_at: string }>();
    expect(row!.expires_at).toBe(consoleEnd);
  });
});

describe("what another site can make a signed-in browser do (N6)", () => {
  it("N6: a sign-in link another site sends a signed-in browser to asks first, and spends nothing until confirmed from this origin", async () => {
    const victim = await newOrganization();
    const { browser: b, home } = await signedInClient(victim.api, victim.organization.id);
    const attacker = await newOrganization();
    const link = await dashboardLink(attacker.api, attacker.organization.id, "admin", "mallory@attacker.example");
    const crossSite = { headers: { "sec-fetch-site": "cross-site" } };

    const asked = await b.get(link.url, crossSite);
    expect(asked.status).toBe(200);
    expect(asked.html).toContain("Switch sessions?");
    expect(asked.html).toContain("mallory@attacker.example");
    expect(asked.headers.getSetCookie()).toEqual([]);
    expect((await b.get(home)).status).toBe(200);
    const tokenHash = await sha256Hex(link.url.split("/sign-in/")[1]!);
    const unspent = await env.CATALOG.prepare("SELECT used_at FROM sign_in_links WHERE token_hash = ?")
      .bind(tokenHash)
      .first<{ used_at: string | null }>();
    expect(unspent!.used_at).toBeNull();

    // Another site cannot post the confirmation.
    const forged = await b.post(new URL(link.url).pathname, {}, { origin: "https://attacker.example" });
    expect(forged.status).toBe(403);
    expect((await b.get(home)).status).toBe(200);

    // The person can.
    const confirmed = await b.post(new URL(link.url).pathname, {});
    expect(confirmed.status).toBe(303);
    expect(confirmed.location).toBe(`/app/o/${attacker.organization.id}`);
  });

  it("a sign-in link opened from another site by a browser without a session signs in at once", async () => {
    const { api, organization } = await newOrganization();
    const link = await dashboardLink(api, organization.id);
    const opened = await browser().get(link.url, { headers: { "sec-fetch-site": "cross-site" } });
    expect(opened.status).toBe(303);
    expect(opened.location).toBe(`/app/o/${organization.id}`);
  });

  it("N6: the CSV export started by another site writes no audit entry; started from the dashboard it does", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id);
    const exported = async () =>
      (await api("GET", `/audit-log?organizationId=${organization.id}&action=companies.exported`)).body.entries;

    for (const site of ["cross-site", "same-site"]) {
      const elsewhere = await b.get(`${home}/companies.csv?icp=1`, { headers: { "sec-fetch-site": site } });
      expect(elsewhere.status).toBe(200);
      expect(elsewhere.headers.get("content-type")).toContain("text/html");
      expect(elsewhere.html).toContain(`href="${home}/companies.csv?icp=1"`);
    }
    expect(await exported()).toEqual([]);

    const own = await b.get(`${home}/companies.csv?icp=1`, { headers: { "sec-fetch-site": "same-origin" } });
    expect(own.status).toBe(200);
    expect(own.headers.get("content-type")).toContain("text/csv");
    expect(await exported()).toHaveLength(1);
  });
});

describe("what one session can make the catalog hold (N7)", () => {
  it(
    "N7: a console session clicking Open again and again keeps one client session and is then refused with 429",
    { timeout: WINDOW_TIMEOUT },
    async () => {
      await awayFromWindowEdge();
      const { api, organization } = await newOrganization();
      const staff = await signedInConsole(api);
      const csrf = csrfOf((await staff.browser.get(staff.home)).html);
      const statuses: number[] = [];
      for (let i = 0; i < DASHBOARD_PER_MINUTE + 10; i++) {
        statuses.push(
          (await staff.browser.post(`/app/console/clients/${organization.id}/open`, { _csrf: csrf })).status,
        );
      }
      expect(statuses.filter((s) => s === 303).length).toBeGreaterThan(DASHBOARD_PER_MINUTE - 5);
      expect(statuses.slice(-5)).toEqual([429, 429, 429, 429, 429]);
      const rows = await env.CATALOG.prepare("SELECT count(*) AS n FROM dashboard_sessions WHERE partner_id = ?")
        .bind((await api("GET", "/me")).body.partner.id)
        .first<{ n: number }>();
      expect(rows!.n).toBe(2);
      const opened = await api("GET", `/audit-log?organizationId=${organization.id}&action=client_dashboard.opened`);
      expect(opened.body.total).toBe(1);
      // The limit is the console session's: the dashboard the last successful click handed out works, as do others'.
      expect((await staff.browser.get(`/app/o/${organization.id}`)).status).toBe(200);
      const other = await signedInClient(api, organization.id);
      expect((await other.browser.get(other.home)).status).toBe(200);
    },
  );

  it("N7: the cron forgets sessions 30 days after their absolute end", async () => {
    const { api, organization } = await newOrganization();
    await signedInClient(api, organization.id);
    await signedInClient(api, organization.id);
    const [recent, old] = await sessionsOf(api, `organizationId=${organization.id}&status=all`);
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await sql("UPDATE dashboard_sessions SET expires_at = ? WHERE id = ?", daysAgo(29), recent!.id);
    await sql("UPDATE dashboard_sessions SET expires_at = ? WHERE id = ?", daysAgo(31), old!.id);
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const left = await sessionsOf(api, `organizationId=${organization.id}&status=all`);
    expect(left.map((s) => s.id)).toEqual([recent!.id]);
  });
});

describe("bounded form posts (N12)", () => {
  it("N12: a dashboard form post is read no further than its limit before a 413", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id, "admin");
    let produced = 0;
    const chunk = new TextEncoder().encode(`domains=${"a".repeat(64 * 1024)}`);
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (produced >= 16 * 1024 * 1024) return controller.close();
          produced += chunk.byteLength;
          controller.enqueue(chunk);
        },
      },
      { highWaterMark: 0 },
    );
    const cookie = [...b.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await exports.default.fetch(`${BASE}${home}/exclusions`, {
      method: "POST",
      headers: {
        cookie,
        origin: BASE,
        "content-type": "application/x-www-form-urlencoded",
        "cf-connecting-ip": b.address,
      },
      body,
    });
    expect(res.status).toBe(413);
    expectEnvelope({ status: res.status, body: await res.json() }, 413, "PayloadTooLarge");
    expect(produced).toBeLessThan(MAX_FORM_BYTES + 1024 * 1024);
    expect((await api("GET", `/organizations/${organization.id}/exclusions`)).body.domains).toEqual([]);
  });
});

describe("bounded lists (N13)", () => {
  const many = 10_050;

  it("N13: the sessions list counts up to 10,000, refuses pages deeper than 10,000 rows and pages by cursor", async () => {
    const { api, partner } = await newOrganization();
    await sql(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO dashboard_sessions (id, secret_hash, partner_id, organization_id, email, role, host, created_at,
         last_seen_at, expires_at)
       SELECT printf('dss_%032d', i) || ?, lower(hex(randomblob(32))), ?, NULL, 'staff@agency.example', 'staff',
         'api.test', strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('-%d seconds', i)), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
         strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+1 day') FROM n`,
      many,
      partner.id.slice(-6),
      partner.id,
    );
    const first = await api("GET", "/sessions?pageSize=100");
    expect(first.status, first.text).toBe(200);
    expect(first.body.total).toBe(10_000);
    expect((await api("GET", "/sessions?page=100&pageSize=100")).status).toBe(200);
    const deep = await api("GET", "/sessions?page=101&pageSize=100");
    expectEnvelope(deep, 400, "BadRequest");
    expect(deep.body.details).toEqual([{ field: "page", message: expect.stringContaining("cursor") }]);
    const next = await api("GET", `/sessions?pageSize=100&cursor=${first.body.nextCursor}`);
    expect(next.status, next.text).toBe(200);
    expect(next.body).not.toHaveProperty("total");
    expect(next.body.sessions[0].id).not.toBe(first.body.sessions[99].id);
    expect(Date.parse(next.body.sessions[0].createdAt)).toBeLessThanOrEqual(
      Date.parse(first.body.sessions[99].createdAt),
    );
  });

  it("N13: the audit log counts up to 10,000, refuses pages deeper than 10,000 rows and pages by cursor", async () => {
    const { api, partner, organization } = await newOrganization();
    const tenant = await tenantOf(partner.id);
    await tenant.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO audit_log (id, partner_id, organization_id, action, actor_type, actor_id, actor_email, details, created_at)
       SELECT printf('aud_%s_%08d', ?, i), ?, ?, 'companies.exported', 'client_user', 'dss_x', 'a@b.example', '{}',
         strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('-%d seconds', i)) FROM n`,
    )
      .bind(many, partner.id.slice(-8), partner.id, organization.id)
      .run();
    const first = await api("GET", "/audit-log?pageSize=100");
    expect(first.status, first.text).toBe(200);
    expect(first.body.total).toBe(10_000);
    expectEnvelope(await api("GET", "/audit-log?page=101&pageSize=100"), 400, "BadRequest");
    const seen = new Set<string>(first.body.entries.map((e: { id: string }) => e.id));
    let cursor: string | null = first.body.nextCursor;
    for (let pages = 0; cursor && pages < 3; pages++) {
      const res = await api("GET", `/audit-log?pageSize=100&cursor=${cursor}`);
      expect(res.status, res.text).toBe(200);
      for (const entry of res.body.entries as { id: string }[]) {
        expect(seen.has(entry.id)).toBe(false);
        seen.add(entry.id);
      }
      cursor = res.body.nextCursor;
    }
    expect(seen.size).toBe(400);
  });
});
