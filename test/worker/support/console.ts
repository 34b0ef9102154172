import { expect } from "vitest";
import type { newPartner } from "./partners";
import { signedInConsole, type Browser } from "./dashboard";

/** The partner console's pages and forms, as the console tests drive them. */

/** `DASHBOARD_LIMITER` in wrangler.toml, per minute. */
export const DASHBOARD_PER_MINUTE = 120;

export type Api = Awaited<ReturnType<typeof newPartner>>["api"];

export const clientPath = (id: string) => `/app/console/clients/${id}`;

/** A form of the page, with the fields its inputs hold (the CSRF token and hidden fields included). */
export function formOf(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`action="${action}"`);
  expect(start, `a form posting to ${action}`).toBeGreaterThan(-1);
  const form = html.slice(start, html.indexOf("</form>", start));
  const fields: Record<string, string> = {};
  for (const [, name, value] of form.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[name!] = value!;
  return fields;
}

export const organizationOf = async (api: Api, id: string) =>
  (await api("GET", `/organizations/${id}`)).body.organization;
export const poolUsed = async (api: Api) => (await api("GET", "/me")).body.partner.creditPoolUsed as number;
export const auditOf = async (api: Api, id: string, action: string) =>
  (await api("GET", `/audit-log?organizationId=${id}&action=${action}`)).body.entries as {
    actor: { type: string; email: string | null };
    details: Record<string, unknown>;
  }[];

/** A browser signed in to the console with this role, as `{role}@agency.example`. */
export async function consoleAs(api: Api, role: "viewer" | "staff" | "admin") {
  const signedIn = await signedInConsole(api, role, `${role}@agency.example`);
  return signedIn.browser;
}

/** Creates a client on the console's form; the answer, and the form as it was posted. */
export async function createClient(b: Browser, fields: Record<string, string>) {
  const page = await b.get("/app/console/clients/new");
  expect(page.status, page.html).toBe(200);
  const form = { ...formOf(page.html, "/app/console/clients/new"), tier: "paid", productType: "B2B", ...fields };
  return { form, answer: await b.post("/app/console/clients/new", form) };
}

/** The id of the client a create answer redirected to. */
export const createdId = (location: string | null) =>
  /\/console\/clients\/(org_[0-9a-f]{32})\?/.exec(location ?? "")![1]!;
