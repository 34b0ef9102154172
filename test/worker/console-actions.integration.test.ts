import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { forgetRememberedPixels } from "../../worker/pixel-config/record";
import { BASE, expectEnvelope } from "./support/api";
import { importCompany, newOrganization, newPartner, tenantOfOrganization } from "./support/partners";
import { accepted, deliver, freshIp, pageView, sendHit } from "./support/hits";
import { receipts, waitForReceipts } from "./support/receipts";
import {
  auditOf,
  clientPath,
  consoleAs,
  createClient,
  createdId,
  formOf,
  organizationOf,
  poolUsed,
} from "./support/console";
import { counterOf } from "./support/counter";
import { mailTo, newRecipient } from "./support/mailbox";

/**
 * The partner console's actions: creating a client, allocating credits, pausing and resuming,
 * mailing a dashboard link. Each goes through the domain functions the partner API uses and is on
 * the audit log with the console user as its actor; a form posted twice moves credits once. Who
 * may post them: console-access.integration.test.ts.
 */

describe("creating a client from the console", { timeout: 30_000 }, () => {
  it("a console admin creates a client with its website and a first allocation from the pool, on the record", async () => {
    const { api } = await newPartner();
    const before = await poolUsed(api);
    const b = await consoleAs(api, "admin");
    const { answer } = await createClient(b, {
      name: "Contoso Dental",
      website: "https://www.contoso.example/",
      credits: "300",
    });
    expect(answer.status, answer.html).toBe(303);
    const id = createdId(answer.location);
    expect(answer.location).toBe(`/app/console/clients/${id}?done=created`);

    expect(await organizationOf(api, id)).toMatchObject({
      name: "Contoso Dental",
      tier: "paid",
      credits: 300,
      status: "active",
    });
    expect(await poolUsed(api)).toBe(before + 300);
    const { pixel } = (await api("GET", `/organizations/${id}/pixel`)).body;
    expect(pixel.allowedReferrers).toEqual(["contoso.example", "*.contoso.example"]);
    const [entry] = await auditOf(api, id, "organization.created");
    expect(entry).toMatchObject({
      actor: { type: "console_user", email: "admin@agency.example" },
      details: { name: "Contoso Dental", initialCredits: 300 },
    });

    const page = await b.get(answer.location!);
    expect(page.html).toContain("Client created.");
    expect(page.html).toContain(`&lt;script async src=&quot;${pixel.scriptUrl}&quot;&gt;&lt;/script&gt;`);
  });

  it("the same form posted twice, even at once, creates one client and takes its credits from the pool once", async () => {
    const { api } = await newPartner();
    const before = await poolUsed(api);
    const b = await consoleAs(api, "admin");
    const { form, answer } = await createClient(b, { name: "Twice Inc", website: "twice.example", credits: "250" });
    const [again, atOnce] = await Promise.all([
      b.post("/app/console/clients/new", form),
      b.post("/app/console/clients/new", form),
    ]);
    const id = createdId(answer.location);
    for (const other of [again, atOnce]) expect(createdId(other.location)).toBe(id);
    const { organizations } = (await api("GET", "/organizations")).body;
    expect(organizations.filter((o: { name: string }) => o.name === "Twice Inc")).toHaveLength(1);
    expect(await poolUsed(api)).toBe(before + 250);
    expect(await auditOf(api, id, "organization.created")).toHaveLength(1);
  });

  it("refuses what the pool or the plan does not allow, naming why, and creates nothing", async () => {
    const { api } = await newPartner({ creditPoolTotal: 1_000 });
    const b = await consoleAs(api, "admin");
    const tooMuch = await createClient(b, { name: "Big", website: "big.example", credits: "5000" });
    expect(tooMuch.answer.status).toBe(400);
    expect(tooMuch.answer.html).toContain("Not enough credits left in the partner pool (1000 available)");
    const trial = await createClient(b, { name: "Trial", website: "trial.example", tier: "trial", credits: "600" });
    expect(trial.answer.html).toContain("A trial organization can have at most 500 credits");
    const noSite = await createClient(b, { name: "Nowhere", website: "not a domain" });
    expect(noSite.answer.status).toBe(400);
    expect(noSite.answer.html).toContain("Enter the client&#39;s website as a domain");
    expect((await api("GET", "/organizations")).body.organizations).toEqual([]);
  });
});

describe("allocating credits from the console", { timeout: 30_000 }, () => {
  it("a double-submitted allocation moves credits once: one allocation, one ledger entry, one audit entry", async () => {
    const { api, organization } = await newOrganization({ initialCredits: 100 });
    const before = await poolUsed(api);
    const b = await consoleAs(api, "admin");
    const page = await b.get(clientPath(organization.id));
    const form: Record<string, string> = {
      ...formOf(page.html, `${clientPath(organization.id)}/credits`),
      credits: "400",
      note: "Q3 campaign",
    };
    expect(form.expected).toBe("100");
    const first = await b.post(`${clientPath(organization.id)}/credits`, form);
    const [second, third] = await Promise.all([
      b.post(`${clientPath(organization.id)}/credits`, form),
      b.post(`${clientPath(organization.id)}/credits`, form),
    ]);
    for (const answer of [first, second, third]) {
      expect(answer.status, answer.html).toBe(303);
      expect(answer.location).toBe(`${clientPath(organization.id)}?done=credits`);
    }
    expect(await organizationOf(api, organization.id)).toMatchObject({ credits: 400, creditsAvailable: 400 });
    expect(await poolUsed(api)).toBe(before + 300);
    const allocations = await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare("SELECT credits, notes FROM credit_allocations WHERE organization_id = ? AND credits = 400")
      .bind(organization.id)
      .all();
    expect(allocations.results).toEqual([
      { credits: 400, notes: "Set in the console by admin@agency.example: Q3 campaign" },
    ]);
    await vi.waitFor(
      async () => {
        const ledger = await api("GET", `/organizations/${organization.id}/ledger?kind=allocation_set`);
        expect(ledger.body.entries.map((e: { allocation: number }) => e.allocation)).toContain(400);
        expect(
          ledger.body.entries.filter((e: { note: string | null }) => e.note?.includes("Q3 campaign")),
        ).toHaveLength(1);
      },
      { timeout: 10_000, interval: 200 },
    );
    const audit = await auditOf(api, organization.id, "credits.allocated");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: { type: "console_user", email: "admin@agency.example" },
      details: { credits: 400, previous: 100, note: "Q3 campaign" },
    });
  });

  it("a form opened before someone else's change is refused with 409 and changes nothing", async () => {
    const { api, organization } = await newOrganization({ initialCredits: 100 });
    const b = await consoleAs(api, "admin");
    const page = await b.get(clientPath(organization.id));
    const form = { ...formOf(page.html, `${clientPath(organization.id)}/credits`), credits: "500" };
    expect((await api("PUT", `/organizations/${organization.id}/credits`, { credits: 200 })).status).toBe(200);
    const stale = await b.post(`${clientPath(organization.id)}/credits`, form);
    expect(stale.status).toBe(409);
    expect(stale.html).toContain("The allocation changed to 200 while this page was open");
    expect((await organizationOf(api, organization.id)).credits).toBe(200);
    expect(await auditOf(api, organization.id, "credits.allocated")).toEqual([]);
  });

  it("the pool's refusals are shown and change nothing: more than the pool holds, below what was used", async () => {
    const { api, organization, pixelKey } = await newOrganization({ initialCredits: 100 }, { creditPoolTotal: 1_000 });
    const b = await consoleAs(api, "admin");
    const action = `${clientPath(organization.id)}/credits`;
    const form = formOf((await b.get(clientPath(organization.id))).html, action);
    const tooMuch = await b.post(action, { ...form, credits: "2000" });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.html).toContain("Not enough credits left in your pool: this client can have at most 1,000.");
    const ip = freshIp();
    await importCompany(`${ip}/32`, "Used A Credit Inc");
    await sendHit(pageView(pixelKey), { ip });
    expect((await waitForReceipts(organization.id, 1))[0]).toMatchObject({ reason: "charged" });
    const belowUsed = await b.post(action, { ...form, credits: "0" });
    expect(belowUsed.status).toBe(400);
    expect(belowUsed.html).toContain("The allocation cannot be below the credits already used this period (1 used).");
    const garbage = await b.post(action, { ...form, credits: "-5" });
    expect(garbage.status).toBe(400);
    expect(garbage.html).toContain("Enter the allocation as a whole number");
    expect((await organizationOf(api, organization.id)).credits).toBe(100);
  });
});

describe("pausing and resuming from the console", { timeout: 30_000 }, () => {
  it("a paused client's pixel stops counting as the API's pause does; resumed, it counts and charges again", async () => {
    const { api, partner, organization, pixelKey } = await newOrganization({ initialCredits: 100 });
    const b = await consoleAs(api, "staff");
    const ip = freshIp();
    await importCompany(`${ip}/32`, "Paused Visitor Inc");
    const action = `${clientPath(organization.id)}/status`;
    const pause = formOf((await b.get(clientPath(organization.id))).html, action);
    expect(pause.enabled).toBe("0");
    const paused = await b.post(action, pause);
    expect(paused.location).toBe(`${clientPath(organization.id)}?done=paused`);
    expect((await b.post(action, pause)).status).toBe(303);

    expect(await organizationOf(api, organization.id)).toMatchObject({ status: "suspended", enabled: false });
    expect(await env.PIXELS.get(pixelKey, "json")).toMatchObject({ enabled: false });
    forgetRememberedPixels();
    expect(await (await exports.default.fetch(`${BASE}/s/${pixelKey}.js`)).text()).toBe("");
    expectEnvelope(await sendHit(pageView(pixelKey), { ip }), 403, "Forbidden");
    // A hit accepted before the pause reached the edge is not charged: the counter holds.
    await deliver([accepted(organization.id, partner, pixelKey, ip, Date.now())]);
    expect(await (await counterOf(organization.id)).balance()).toMatchObject({ used: 0, available: 100 });
    expect((await receipts(organization.id)).filter((r) => r.reason === "charged")).toEqual([]);

    const resume = formOf((await b.get(clientPath(organization.id))).html, action);
    expect(resume.enabled).toBe("1");
    expect((await b.post(action, resume)).location).toBe(`${clientPath(organization.id)}?done=resumed`);
    expect(await organizationOf(api, organization.id)).toMatchObject({ status: "active", enabled: true });
    forgetRememberedPixels();
    expect((await sendHit(pageView(pixelKey), { ip: freshIp() })).status).toBe(204);
    const fresh = freshIp();
    await importCompany(`${fresh}/32`, "Resumed Visitor Inc");
    expect((await sendHit(pageView(pixelKey), { ip: fresh })).status).toBe(204);
    await vi.waitFor(
      async () => expect((await receipts(organization.id)).some((r) => r.reason === "charged")).toBe(true),
      { timeout: 15_000, interval: 200 },
    );

    const disabled = await auditOf(api, organization.id, "organization.disabled");
    expect(disabled).toHaveLength(1);
    expect(disabled[0]!.actor).toMatchObject({ type: "console_user", email: "staff@agency.example" });
    expect(await auditOf(api, organization.id, "organization.enabled")).toHaveLength(1);
  });
});

describe("mailing a dashboard link from the console", { timeout: 30_000 }, () => {
  it("goes through the API's mailer, in the partner's brand, and is on the record with its outcome", async () => {
    const { api, organization } = await newOrganization({ name: "Fabrikam Dental" });
    await api("PUT", "/branding", { companyName: "Northwind Insights" });
    const b = await consoleAs(api, "staff");
    const to = newRecipient();
    const action = `${clientPath(organization.id)}/dashboard-links`;
    const form = formOf((await b.get(clientPath(organization.id))).html, action);
    const sent = await b.post(action, { ...form, email: to, role: "admin" });
    expect(sent.status, sent.html).toBe(200);
    expect(sent.html).toContain(`Sign-in link sent to ${to}.`);
    const mail = await mailTo(to);
    expect(mail.subject).toBe("Your Fabrikam Dental dashboard");
    expect(mail.from!.name).toBe("Northwind Insights");
    expect(mail.html).toMatch(/href="https:\/\/api\.test\/app\/sign-in\/[0-9a-f]{64}"/);
    const [entry] = await auditOf(api, organization.id, "dashboard_link.created");
    expect(entry).toMatchObject({
      actor: { type: "console_user", email: "staff@agency.example" },
      details: { email: to, role: "admin", mailed: "delivered" },
    });
    const bad = await b.post(action, { ...form, email: "not an address", role: "viewer" });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("Enter the e-mail address the link is for.");
  });
});
