/**
 * Seeds a running Worker with demo data through its real HTTP APIs, idempotently:
 *
 *   - operator: the partner `demo` (its plain API key is kept in .wrangler/demo-partner.json,
 *     git-ignored; a new key is minted when the file is lost), sample companies with IPv4
 *     and IPv6 ranges (including "Localhost Labs" = 127.0.0.0/8 and ::1/128, so a browser
 *     on this machine is identified), one B2C person (sha256 of demo@example.com);
 *   - partner: its branding (name and colours, when none are set yet), the organization
 *     "Acme Widgets" (externalId demo-site) and its pixel, allowed on localhost and 127.0.0.1,
 *     and fresh sign-in links to the client's dashboard and to the partner's console.
 *
 * `npm start` calls it once the local server answers. To run it by hand against a
 * running server: `node scripts/seed-demo.ts [--url http://localhost:8787]`
 * (the operator key comes from $ADMIN_API_KEY or .dev.vars).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_STATE_FILE, readDevVars } from "./lib.ts";
import { DEMO_BOSS, seedNotifications } from "./seed-notifications.ts";

export const DEMO_PARTNER_SLUG = "demo";
export const DEMO_ORG_EXTERNAL_ID = "demo-site";
export const DEMO_PERSON_EMAIL = "demo@example.com";
/** The demo partner's look: every dashboard and console page wears it. */
export const DEMO_BRANDING = { companyName: "Demo Agency", primaryColor: "#6d28d9", secondaryColor: "#f59e0b" };
/** Who the printed links sign in (the partner's app would pass its own user). */
export const DEMO_CLIENT_USER = "you@acme-widgets.example";
export const DEMO_STAFF_USER = "you@demo-agency.example";
/** Where the demo partner's notices go (a client activated, its first visitor, credits running low). */
export const DEMO_SUPPORT_EMAIL = "support@demo-agency.example";

/** Fictional companies; ranges are documentation prefixes (RFC 5737, RFC 3849) plus loopback. */
export const DEMO_COMPANIES = [
  {
    name: "Localhost Labs",
    domain: "localhost-labs.example",
    industry: "Software",
    employeeRange: "11-50",
    revenueRange: "$1M-$10M",
    country: "US",
    region: "California",
    city: "San Francisco",
    linkedinUrl: "https://www.linkedin.com/company/localhost-labs-example",
    // Every request from this machine: a local browser is identified as this company.
    ipRanges: ["127.0.0.0/8", "::1/128"],
  },
  {
    name: "Harborline Logistics",
    domain: "harborline-logistics.example",
    industry: "Transportation & Logistics",
    employeeRange: "1001-5000",
    revenueRange: "$500M-$1B",
    country: "US",
    region: "Illinois",
    city: "Chicago",
    linkedinUrl: null,
    ipRanges: ["192.0.2.0/25", "2001:db8:10::/48"],
  },
  {
    name: "Quillstone Software",
    domain: "quillstone.example",
    industry: "Software",
    employeeRange: "201-500",
    revenueRange: "$50M-$100M",
    country: "US",
    region: "Texas",
    city: "Austin",
    linkedinUrl: null,
    ipRanges: ["192.0.2.128/25", "2001:db8:20::/48"],
  },
  {
    name: "Meridian Health Partners",
    domain: "meridian-health.example",
    industry: "Healthcare",
    employeeRange: "5001-10000",
    revenueRange: "$1B-$5B",
    country: "GB",
    region: "England",
    city: "London",
    linkedinUrl: null,
    ipRanges: ["198.51.100.0/24", "2001:db8:30::/48"],
  },
  {
    name: "Kestrel Payments",
    domain: "kestrel-payments.example",
    industry: "Financial Services",
    employeeRange: "51-200",
    revenueRange: "$10M-$50M",
    country: "DE",
    region: "Berlin",
    city: "Berlin",
    linkedinUrl: null,
    ipRanges: ["203.0.113.0/25", "2001:db8:40::/48"],
  },
  {
    name: "Tamarind Foods",
    domain: "tamarind-foods.example",
    industry: "Food & Beverage",
    employeeRange: "501-1000",
    revenueRange: "$100M-$500M",
    country: "IN",
    region: "Karnataka",
    city: "Bengaluru",
    linkedinUrl: null,
    ipRanges: ["203.0.113.128/25", "2001:db8:50::/48"],
  },
];

/** The normalised-email hash the pixel's `identify({ email })` sends. */
export const emailSha256 = (email: string) => createHash("sha256").update(email.trim().toLowerCase()).digest("hex");

export const DEMO_PEOPLE = [
  {
    emailSha256: emailSha256(DEMO_PERSON_EMAIL),
    name: "Dana Demo",
    emailDomain: "example.com",
    jobTitle: "Head of Growth",
    companyDomain: "localhost-labs.example",
    linkedinUrl: null,
    location: "San Francisco, US",
  },
];

export interface DemoSeed {
  baseUrl: string;
  adminKey: string;
  partnerId: string;
  partnerKey: string;
  /** True when this run minted the partner key (new partner, or the state file was lost). */
  newPartnerKey: boolean;
  organizationId: string;
  pixelKey: string;
  scriptTag: string;
  demoUrl: string;
  visitorsCurl: string;
  /** Single-use sign-in links, valid 10 minutes. */
  dashboardLink: string;
  consoleLink: string;
  /** What became of the dashboard link mailed to the demo client (`delivered` when the mail sink took it). */
  mailedLink: string;
  /** What became of the test digest mailed to the demo client. */
  testDigest: string;
}

interface DemoState {
  partnerId: string;
  slug: string;
  apiKey: string;
  baseUrl: string;
  organizationId?: string;
  pixelKey?: string;
  updatedAt: string;
}

// No TypeScript parameter properties here: Node's type stripping does not support them.
class HttpError extends Error {
  status: number;
  body: unknown;
  constructor(status: number, body: unknown, what: string) {
    super(`${what} → HTTP ${status}: ${typeof body === "string" ? body : JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

/** A JSON client of the Worker's HTTP APIs: throws `HttpError` on a status outside `expect`. */
export function client(baseUrl: string, headers: Record<string, string>) {
  return async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    expect: number[] = [200, 201],
  ): Promise<T> {
    const response = await fetch(new URL(path, baseUrl), {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // keep the text for the error message
    }
    if (!expect.includes(response.status)) throw new HttpError(response.status, parsed, `${method} ${path}`);
    return parsed as T;
  };
}

function readState(): DemoState | null {
  if (!existsSync(DEMO_STATE_FILE)) return null;
  try {
    return JSON.parse(readFileSync(DEMO_STATE_FILE, "utf8")) as DemoState;
  } catch {
    return null;
  }
}

function writeState(state: DemoState): void {
  mkdirSync(dirname(DEMO_STATE_FILE), { recursive: true });
  writeFileSync(DEMO_STATE_FILE, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
}

interface Organization {
  id: string;
  name: string;
  enabled: boolean;
  status: string;
}

export async function seedDemo(options: {
  baseUrl: string;
  adminKey: string;
  log?: (line: string) => void;
}): Promise<DemoSeed> {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const log = options.log ?? ((line: string) => console.log(`[seed] ${line}`));
  const admin = client(baseUrl, { "x-admin-api-key": options.adminKey });

  // 1. The demo partner, and a partner API key we know the plain text of.
  const state = readState();
  const { partners } = await admin<{ partners: { id: string }[] }>(
    "GET",
    `/api/v1/admin/partners?slug=${DEMO_PARTNER_SLUG}`,
  );
  let partnerId: string;
  let partnerKey: string | null = null;
  let newPartnerKey = false;
  const [existing] = partners;
  if (!existing) {
    const created = await admin<{ partner: { id: string }; plainKey: string }>("POST", "/api/v1/admin/partners", {
      name: "Demo Agency",
      slug: DEMO_PARTNER_SLUG,
      billingMode: "credit_pool",
      creditPoolTotal: 10_000,
      supportEmail: DEMO_SUPPORT_EMAIL,
    });
    partnerId = created.partner.id;
    partnerKey = created.plainKey;
    newPartnerKey = true;
    log(`created partner '${DEMO_PARTNER_SLUG}' (${partnerId})`);
  } else {
    partnerId = existing.id;
    if (state?.partnerId === partnerId && state.apiKey) {
      // The saved key may have been revoked through the API: check it before trusting it.
      const probe = await fetch(`${baseUrl}/api/v1/partner/organizations?pageSize=1`, {
        headers: { "x-partner-api-key": state.apiKey },
      });
      await probe.body?.cancel();
      if (probe.ok) partnerKey = state.apiKey;
      else log(`saved partner key rejected (HTTP ${probe.status}); issuing a new one`);
    } else {
      log(`partner '${DEMO_PARTNER_SLUG}' exists but .wrangler/demo-partner.json has no key for it; issuing a new one`);
    }
    if (!partnerKey) {
      const issued = await admin<{ plainKey: string }>("POST", `/api/v1/admin/partners/${partnerId}/api-keys`, {
        name: "npm start (demo)",
      });
      partnerKey = issued.plainKey;
      newPartnerKey = true;
    }
  }
  writeState({ partnerId, slug: DEMO_PARTNER_SLUG, apiKey: partnerKey, baseUrl, updatedAt: new Date().toISOString() });

  // 2. Identification data (re-importing the same domains / hashes updates them in place).
  const companies = await admin<{ imported: number; ipRanges: number }>(
    "POST",
    "/api/v1/admin/companies",
    DEMO_COMPANIES,
  );
  const people = await admin<{ imported: number }>("POST", "/api/v1/admin/people", DEMO_PEOPLE);
  log(`imported ${companies.imported} companies (${companies.ipRanges} IP ranges) and ${people.imported} person`);

  // 3. The demo organization and its pixel, through the partner API.
  const partner = client(baseUrl, { "x-partner-api-key": partnerKey });
  const me = await partner<{ partner: { primaryColor: string | null } }>("GET", "/api/v1/partner/me");
  if (!me.partner.primaryColor) {
    await partner("PUT", "/api/v1/partner/branding", DEMO_BRANDING);
    log(`branded the partner '${DEMO_BRANDING.companyName}' (${DEMO_BRANDING.primaryColor})`);
  }
  const find = async (status?: string) => {
    const query = new URLSearchParams({ externalId: DEMO_ORG_EXTERNAL_ID, ...(status ? { status } : {}) });
    const { organizations } = await partner<{ organizations: Organization[] }>(
      "GET",
      `/api/v1/partner/organizations?${query}`,
    );
    return organizations[0];
  };
  // Canceled organizations are listed only on request; the externalId stays taken, so revive it.
  let organization = (await find()) ?? (await find("canceled"));
  if (!organization) {
    ({ organization } = await partner<{ organization: Organization }>("POST", "/api/v1/partner/organizations", {
      name: "Acme Widgets",
      externalId: DEMO_ORG_EXTERNAL_ID,
      tier: "paid",
      initialCredits: 100,
      productType: "B2B",
    }));
    log(`created organization 'Acme Widgets' (${organization.id})`);
  } else if (!organization.enabled) {
    ({ organization } = await partner<{ organization: Organization }>(
      "PUT",
      `/api/v1/partner/organizations/${organization.id}/status`,
      { enabled: true },
    ));
    log(`re-enabled organization '${organization.name}' (${organization.id})`);
  }
  const { pixel } = await partner<{ pixel: { apiKey: string; scriptTag: string } }>(
    "PUT",
    `/api/v1/partner/organizations/${organization.id}/pixel`,
    { allowedReferrers: ["localhost", "127.0.0.1"] },
  );
  writeState({
    partnerId,
    slug: DEMO_PARTNER_SLUG,
    apiKey: partnerKey,
    baseUrl,
    organizationId: organization.id,
    pixelKey: pixel.apiKey,
    updatedAt: new Date().toISOString(),
  });

  // A saved view of the client's feed: the companies that looked at the demo site's pricing page.
  const pricingView = { name: "Pricing page visitors", filter: { pages: [`/demo/${pixel.apiKey}/pricing*`] } };
  const { segments } = await partner<{ segments: { id: string; name: string }[] }>(
    "GET",
    `/api/v1/partner/organizations/${organization.id}/segments?pageSize=100`,
  );
  const saved = segments.find((segment) => segment.name === pricingView.name);
  if (saved) await partner("PUT", `/api/v1/partner/organizations/${organization.id}/segments/${saved.id}`, pricingView);
  else {
    await partner("POST", `/api/v1/partner/organizations/${organization.id}/segments`, pricingView);
    log(`saved the view '${pricingView.name}'`);
  }

  const { testDigest } = await seedNotifications(partner, organization.id, pixel.apiKey, DEMO_CLIENT_USER, log);

  // 4. Sign-in links, as the partner's own app would ask for them when its user opens the dashboard.
  const { dashboardLink } = await partner<{ dashboardLink: { url: string } }>(
    "POST",
    `/api/v1/partner/organizations/${organization.id}/dashboard-links`,
    { email: DEMO_CLIENT_USER, role: "admin" },
  );
  const { consoleLink } = await partner<{ consoleLink: { url: string } }>("POST", "/api/v1/partner/console-links", {
    email: DEMO_STAFF_USER,
    role: "admin",
  });
  // The same dashboard by e-mail, as a partner sends it to a client who should sign in later.
  const { delivery } = await partner<{ delivery: { status: string; error: { message: string } | null } }>(
    "POST",
    `/api/v1/partner/organizations/${organization.id}/dashboard-links`,
    { email: DEMO_CLIENT_USER, role: "admin", send: true },
  );

  return {
    baseUrl,
    adminKey: options.adminKey,
    partnerId,
    partnerKey,
    newPartnerKey,
    organizationId: organization.id,
    pixelKey: pixel.apiKey,
    scriptTag: pixel.scriptTag,
    // No trailing slash: worker/demo/site.ts matches `/demo/{key}` and `/demo/{key}/{page}` only.
    demoUrl: `${baseUrl}/demo/${pixel.apiKey}`,
    visitorsCurl: `curl -s ${baseUrl}/api/v1/partner/organizations/${organization.id}/visitors -H "X-Partner-API-Key: ${partnerKey}"`,
    dashboardLink: dashboardLink.url,
    consoleLink: consoleLink.url,
    mailedLink: delivery.error ? `${delivery.status}: ${delivery.error.message}` : delivery.status,
    testDigest,
  };
}

/** The banner `npm start` prints once the demo is ready. */
export function describeSeed(seed: DemoSeed): string {
  const line = "─".repeat(72);
  return [
    "",
    line,
    " Sightline is running locally.",
    "",
    ` Demo page (open in a browser):  ${seed.demoUrl}`,
    ` Demo partner API key:           ${seed.partnerKey}`,
    ` Operator key (X-Admin-API-Key): ${seed.adminKey}   (from .dev.vars)`,
    ` Demo organization:              ${seed.organizationId}, pixel key ${seed.pixelKey}`,
    "",
    " Client dashboard of Acme Widgets (browse the demo page first: a few seconds after a page view",
    ' this machine shows up as "Localhost Labs"):',
    `   ${seed.dashboardLink}`,
    " Console of the demo partner (every client with its credits; as its admin, create clients, allocate credits):",
    `   ${seed.consoleLink}`,
    " Both links work once, for 10 minutes; `npm run seed` prints fresh ones.",
    "",
    ` E-mail goes to the local sink, which writes every message to .wrangler/mail/ (open the .eml files):`,
    `   a dashboard link mailed to ${DEMO_CLIENT_USER} (${seed.mailedLink}), and the notices of Acme Widgets`,
    `   to ${DEMO_SUPPORT_EMAIL} (its first identified visitor, credits running low, …). A test of the daily digest`,
    `   to ${DEMO_CLIENT_USER} (${seed.testDigest}; ${DEMO_BOSS} gets a weekly one), and an alert to ${DEMO_CLIENT_USER}`,
    `   when a company views the demo's pricing page.`,
    "",
    " The same visitors through the partner API:",
    `   ${seed.visitorsCurl}`,
    "",
    ` OpenAPI document: ${seed.baseUrl}/api/v1/openapi.json`,
    ` The partner key is kept in .wrangler/demo-partner.json. Ctrl-C stops the server.`,
    line,
    "",
  ].join("\n");
}

// CLI: seed a server that is already running.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const urlFlag = process.argv.indexOf("--url");
  const baseUrl = urlFlag > 0 ? process.argv[urlFlag + 1] : `http://localhost:${process.env.PORT || 8787}`;
  const adminKey = process.env.ADMIN_API_KEY || readDevVars().ADMIN_API_KEY;
  if (!baseUrl) {
    console.error("--url needs the server's URL.");
    process.exit(1);
  }
  if (!adminKey) {
    console.error("No operator key: set ADMIN_API_KEY or create .dev.vars (cp .dev.vars.example .dev.vars).");
    process.exit(1);
  }
  try {
    console.log(describeSeed(await seedDemo({ baseUrl, adminKey })));
  } catch (error) {
    console.error(`Seeding ${baseUrl} failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
