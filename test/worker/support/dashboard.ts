import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { BASE } from "./api";
import { freshIp } from "./hits";

export interface Browser {
  /** `name=value` pairs the Worker set, as a browser would send them back. */
  cookies: Map<string, string>;
  /** The address it connects from (`CF-Connecting-IP`). */
  address: string;
  get(path: string, init?: { host?: string; headers?: Record<string, string> }): Promise<Page>;
  post(
    path: string,
    form: Record<string, string>,
    init?: { origin?: string | null; host?: string; headers?: Record<string, string> },
  ): Promise<Page>;
}

export interface Page {
  status: number;
  headers: Headers;
  html: string;
  location: string | null;
}

/** A cookie jar over the Worker, on an address of its own: what a browser does with redirects left to the test. */
export function browser(origin = BASE, address = freshIp()): Browser {
  const cookies = new Map<string, string>();
  const send = async (url: string, init: RequestInit & { headers: Record<string, string> }) => {
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const response = await exports.default.fetch(url, {
      ...init,
      redirect: "manual",
      headers: { "cf-connecting-ip": address, ...init.headers, ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, value] = [pair!.slice(0, pair!.indexOf("=")), pair!.slice(pair!.indexOf("=") + 1)];
      if (value === "" || /max-age=0/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    return {
      status: response.status,
      headers: response.headers,
      html: await response.text(),
      location: response.headers.get("location"),
    };
  };
  const at = (path: string, host?: string) =>
    path.startsWith("http") ? path : `${host ? `https://${host}` : origin}${path}`;
  return {
    cookies,
    address,
    get: (path, init = {}) => send(at(path, init.host), { method: "GET", headers: init.headers ?? {} }),
    post: (path, form, init = {}) => {
      const url = at(path, init.host);
      const sentOrigin = init.origin === undefined ? new URL(url).origin : init.origin;
      return send(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          ...(sentOrigin ? { origin: sentOrigin } : {}),
          ...init.headers,
        },
        body: new URLSearchParams(form).toString(),
      });
    },
  };
}

/** The CSRF token of a page's forms. */
export function csrfOf(html: string): string {
  const match = html.match(/name="_csrf" value="([0-9a-f]{64})"/);
  expect(match, "the page has a form with a CSRF token").not.toBeNull();
  return match![1]!;
}

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any; text: string }>;

export async function dashboardLink(
  api: Api,
  organizationId: string,
  role: "viewer" | "admin" = "viewer",
  email = "jane@client.example",
) {
  const res = await api("POST", `/organizations/${organizationId}/dashboard-links`, { email, role });
  expect(res.status, res.text).toBe(201);
  return res.body.dashboardLink as { url: string; expiresAt: string };
}

/** A browser signed in to the organization's dashboard through a fresh link. */
export async function signedInClient(api: Api, organizationId: string, role: "viewer" | "admin" = "viewer") {
  const link = await dashboardLink(api, organizationId, role);
  const b = browser(new URL(link.url).origin);
  const opened = await b.get(link.url);
  expect(opened.status, opened.html).toBe(303);
  return { browser: b, link, home: opened.location! };
}

/** A browser signed in to the partner's console through a fresh link (`staff` unless another role is named). */
export async function signedInConsole(api: Api, role?: "viewer" | "staff" | "admin", email = "staff@agency.example") {
  const res = await api("POST", "/console-links", { email, ...(role ? { role } : {}) });
  expect(res.status, res.text).toBe(201);
  const link = res.body.consoleLink as { url: string; expiresAt: string };
  const b = browser(new URL(link.url).origin);
  const opened = await b.get(link.url);
  expect(opened.status, opened.html).toBe(303);
  return { browser: b, link, home: opened.location! };
}

/** Runs SQL against the catalog, e.g. to move a sign-in link or a session back in time. */
export const sql = (query: string, ...params: unknown[]) =>
  env.CATALOG.prepare(query)
    .bind(...params)
    .run();
