import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { sha256Hex } from "../../worker/lib/crypto";
import { expectEnvelope } from "./support/api";
import { newOrganization } from "./support/partners";
import { browser, signedInClient, signedInConsole, sql } from "./support/dashboard";
import { freshDomain, makeLive } from "./support/domains";

/**
 * A host serves one partner: a partner's live domain serves that partner's dashboards (and the
 * script and hits), the APIs and `/app` answer on the platform's hosts only, and links and
 * sessions work only on the host they were issued for (security audit N1).
 */

type Owner = Awaited<ReturnType<typeof newOrganization>>;

const partnerCall = (host: string, key: string, method: string, path: string, body?: unknown) =>
  exports.default.fetch(`https://${host}/api/v1/partner${path}`, {
    method,
    headers: { "x-partner-api-key": key, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function twoPartners() {
  const a: Owner = await newOrganization({ name: "Acme Widgets" });
  await a.api("PUT", "/branding", { companyName: "Agency A" });
  const { domain } = await makeLive(a.api, freshDomain("insights"));
  const b: Owner = await newOrganization({ name: "Mallory Client" });
  await b.api("PUT", "/branding", { companyName: "Mallory Agency" });
  return { a, b, domain };
}

describe("one partner per host", () => {
  it("N1: partner B gets 404s and no sign-in through partner A's domain, and A's users keep their session", async () => {
    const { a, b, domain } = await twoPartners();
    // A's client is signed in on A's domain.
    const victim = await signedInClient(a.api, a.organization.id);
    expect(new URL(victim.link.url).host).toBe(domain);
    expect((await victim.browser.get(victim.home)).status).toBe(200);

    // The audit's attack: B calls its own API through A's host to mint links bound to it.
    const minted = await partnerCall(domain, b.key, "POST", `/organizations/${b.organization.id}/dashboard-links`, {
      email: "x@b.example",
      role: "admin",
    });
    expect(minted.status).toBe(404);
    expect(await minted.json()).toMatchObject({ code: "NotFound" });
    expect((await partnerCall(domain, b.key, "POST", "/console-links", { email: "x@b.example" })).status).toBe(404);
    expect((await partnerCall(domain, a.key, "GET", "/me")).status).toBe(404);

    // Whatever B obtains on the platform host opens nowhere on A's domain, under any base.
    const platformLink = (
      await b.api("POST", `/organizations/${b.organization.id}/dashboard-links`, { email: "x@b.example" })
    ).body.dashboardLink.url as string;
    expect(new URL(platformLink).host).toBe("api.test");
    const token = platformLink.split("/").pop()!;
    for (const path of [`/sign-in/${token}`, `/app/sign-in/${token}`, `/app/o/${b.organization.id}`, "/app/console"]) {
      const page = await victim.browser.get(`https://${domain}${path}`);
      expect(page.status, path).toBe(404);
      expect(page.html).not.toContain("Mallory");
    }
    // A link of B bound to A's host (as the attack minted before the fix) is not redeemed there either, nor spent.
    const planted = "ab".repeat(32);
    await sql(
      `INSERT INTO sign_in_links (token_hash, partner_id, organization_id, email, role, host, expires_at, created_at)
       VALUES (?, ?, ?, 'x@b.example', 'admin', ?, ?, ?)`,
      await sha256Hex(planted),
      b.partner.id,
      b.organization.id,
      domain,
      new Date(Date.now() + 600_000).toISOString(),
      new Date().toISOString(),
    );
    const opened = await victim.browser.get(`https://${domain}/sign-in/${planted}`);
    expect(opened.status).toBe(404);
    expect(opened.html).toContain("Agency A");
    expect(
      await env.CATALOG.prepare("SELECT used_at FROM sign_in_links WHERE token_hash = ?")
        .bind(await sha256Hex(planted))
        .first(),
    ).toEqual({ used_at: null });

    // The victim's own dashboard still answers: no session was replaced.
    expect((await victim.browser.get(victim.home)).status).toBe(200);
  });

  it("refuses a session of another partner on a partner's domain", async () => {
    const { a, b, domain } = await twoPartners();
    const own = await signedInClient(b.api, b.organization.id);
    const cookie = [...own.browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    // Even a session row bound to A's host, if one existed, is B's and not A's.
    await sql("UPDATE dashboard_sessions SET host = ? WHERE partner_id = ?", domain, b.partner.id);
    const res = await exports.default.fetch(`https://${domain}/o/${b.organization.id}`, { headers: { cookie } });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Agency A");
    expect(a.partner.id).not.toBe(b.partner.id);
  });

  it("serves nothing but the script and hits on a domain that is claimed but not live", async () => {
    const owner = await newOrganization();
    const domain = freshDomain();
    await owner.api("PUT", "/domain", { domain });
    expect((await exports.default.fetch(`https://${domain}/`)).status).toBe(404);
    expect((await partnerCall(domain, owner.key, "GET", "/me")).status).toBe(404);
    expect((await exports.default.fetch(`https://${domain}/app/console`)).status).toBe(404);
    expect((await exports.default.fetch(`https://${domain}/s/${owner.pixelKey}.js`)).status).toBe(200);
  });

  it("without the platform's URLs configured (local development), answers the API on any host no partner claims", async () => {
    const owner = await newOrganization();
    const domain = freshDomain();
    await owner.api("PUT", "/domain", { domain });
    const local = { DASHBOARD_BASE_URL: "", SCRIPT_BASE_URL: "" };
    const me = async (host: string) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(`https://${host}/api/v1/partner/me`, { headers: { "x-partner-api-key": owner.key } }),
        { ...env, ...local },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res.status;
    };
    expect(await me("localhost")).toBe(200);
    expect(await me("127.0.0.1")).toBe(200);
    expect(await me(domain)).toBe(404);
  });

  it("ends the sessions and unused links of a domain when it is removed", async () => {
    const owner = await newOrganization();
    const { domain } = await makeLive(owner.api);
    const client = await signedInClient(owner.api, owner.organization.id);
    const staff = await signedInConsole(owner.api);
    const unused = (
      await owner.api("POST", `/organizations/${owner.organization.id}/dashboard-links`, { email: "b@c.example" })
    ).body.dashboardLink.url as string;
    expect(new URL(unused).host).toBe(domain);

    expect((await owner.api("DELETE", "/domain")).status).toBe(204);
    const sessions = (await owner.api("GET", "/sessions?status=all")).body.sessions as {
      host: string;
      status: string;
    }[];
    expect(sessions.filter((s) => s.host === domain).map((s) => s.status)).toEqual(["revoked", "revoked"]);
    const links = await env.CATALOG.prepare(
      "SELECT count(*) AS n FROM sign_in_links WHERE host = ? AND used_at IS NULL",
    )
      .bind(domain)
      .first<{ n: number }>();
    expect(links!.n).toBe(0);
    // Set and live again: nothing from before opens.
    await makeLive(owner.api, domain);
    expect((await client.browser.get(client.home)).status).toBe(401);
    expect((await staff.browser.get(staff.home)).status).toBe(401);
    expect((await browser().get(unused)).status).toBe(404);
  });

  it("with the platform's URLs configured, answers the APIs and /app on those hosts only", async () => {
    const configured = {
      DASHBOARD_BASE_URL: "https://app.platform-tests.net",
      SCRIPT_BASE_URL: "https://t.platform-tests.net",
    };
    const owner = await newOrganization();
    const at = async (url: string, method = "GET", body?: unknown) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(url, {
          method,
          headers: { "x-partner-api-key": owner.key, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
        { ...env, ...configured },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return { status: res.status, body: (await res.json()) as any };
    };
    // The host the tests otherwise use is not one of the platform's once they are configured.
    expectEnvelope(await at("https://api.test/api/v1/partner/me"), 404, "NotFound");
    expect((await at("https://app.platform-tests.net/api/v1/partner/me")).status).toBe(200);
    expect((await at("https://t.platform-tests.net/api/v1/partner/me")).status).toBe(200);
    // Links point to the configured origin, whatever host the API was called on.
    const link = await at("https://t.platform-tests.net/api/v1/partner/console-links", "POST", {
      email: "s@a.example",
    });
    expect(link.body.consoleLink.url).toMatch(/^https:\/\/app\.platform-tests\.net\/app\/sign-in\/[0-9a-f]{64}$/);
    // A partner may not claim a host of the platform's, nor one below it.
    const claim = await at("https://app.platform-tests.net/api/v1/partner/domain", "PUT", {
      domain: "x.t.platform-tests.net",
    });
    expectEnvelope(claim, 422, "UnprocessableEntity");
  });
});
