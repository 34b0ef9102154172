/**
 * Two local HTTP servers standing in for production:
 * - the "site" (a client's website): serves test pages with the queue snippet;
 * - the "endpoint" (the Worker's origin, another port = another origin): serves
 *   the rendered script at /s/{key}.js and records every request, hits at POST /e.
 */
import { once } from "node:events";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { type PixelBuilds, renderPixel } from "../../../pixel/serve.ts";
import { HIT_PATH, type Hit, type PixelConfig, SCRIPT_PATH_PREFIX } from "../../../shared/hit.ts";
import { parseHit as checkHit } from "../../../worker/edge/hit-body.ts";

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface PageOptions {
  /** Overrides of the injected config (defaults: key, endpoint, global "acme", h=0, p=0, c=2: consent mode "off"). */
  config?: Partial<PixelConfig>;
  /** Extra HTML in <head> after the queue snippet and before the script, e.g. queued calls. */
  head?: string;
  /** Height of the page content in px (the viewport of a default context is 720 px). */
  height?: number;
  /** Leave out the queue snippet, as a site that only adds the script tag. */
  noSnippet?: boolean;
}

export const KEY = "pk_test_0123456789";
export const GLOBAL = "acme";

export interface HitSink {
  /** Origin of the test site, e.g. http://127.0.0.1:41234 */
  site: string;
  /** Origin of the endpoint (script and hits). */
  endpoint: string;
  /** Every request the endpoint received, in order (script loads, hits, preflights). */
  requests: Recorded[];
  /** Parsed bodies of POST /e, in arrival order. */
  hits(): Hit[];
  /** Page options for the pages served from now on. */
  setPage(opts: PageOptions): void;
  /** Forget recorded requests and page options (call between tests). */
  reset(): void;
  /** Resolves when `pred(hits)` holds; rejects after `timeout` ms with the hits seen. */
  waitFor(pred: (hits: Hit[]) => boolean, what: string, timeout?: number): Promise<Hit[]>;
  /** A quiet period (`quietPeriod`) for stray hits to arrive, then all hits. */
  settle(ms?: number): Promise<Hit[]>;
  close(): Promise<void>;
}

export async function startHitSink(builds: PixelBuilds): Promise<HitSink> {
  const requests: Recorded[] = [];
  let opts: PageOptions = {};
  const endpointServer = createServer(async (req, res) => {
    const body = await readBody(req);
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
    if (req.method === "GET" && req.url?.startsWith(SCRIPT_PATH_PREFIX)) {
      const config: PixelConfig = { k: KEY, e: endpoint + HIT_PATH, g: GLOBAL, h: 0, p: 0, c: 2, ...opts.config };
      const script = renderPixel(builds, config, (name) => req.headers[name.toLowerCase()] as string | undefined);
      return send(res, 200, "application/javascript", script, "no-store");
    }
    // Like production: 204, no CORS headers needed because the pixel never reads a response.
    send(res, req.method === "POST" && req.url === HIT_PATH ? 204 : 404, undefined, "", "no-store");
  });
  const siteServer = createServer((req, res) => {
    if (req.url === "/favicon.ico") return send(res, 404);
    // No cache-control here: `no-store` pages are not eligible for the back/forward cache.
    send(res, 200, "text/html; charset=utf-8", pageHtml(endpoint, req.url ?? "/", opts));
  });
  const endpoint = await listen(endpointServer);
  const site = await listen(siteServer);

  const hits = () => requests.filter((r) => r.method === "POST" && r.url === HIT_PATH).map((r) => parseHit(r.body));

  return {
    site,
    endpoint,
    requests,
    hits,
    setPage(o) {
      opts = o;
    },
    reset() {
      requests.length = 0;
      opts = {};
    },
    async waitFor(pred, what, timeout = 10_000) {
      const end = Date.now() + timeout;
      for (;;) {
        const h = hits();
        if (pred(h)) return h;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}; hits: ${JSON.stringify(h, null, 1)}`);
        await sleep(20);
      }
    },
    async settle(ms = 400) {
      await quietPeriod(ms, "stray hits to arrive");
      return hits();
    },
    async close() {
      endpointServer.closeAllConnections();
      siteServer.closeAllConnections();
      await Promise.all([close(endpointServer), close(siteServer)]);
    },
  };
}

function pageHtml(endpoint: string, path: string, o: PageOptions): string {
  const g = o.config?.g ?? GLOBAL;
  const snippet = o.noSnippet
    ? ""
    : `<script>window.${g}=window.${g}||function(){(window.${g}.q=window.${g}.q||[]).push(arguments)};</script>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Test page</title>
${snippet}${o.head ?? ""}
<script async src="${endpoint}${SCRIPT_PATH_PREFIX}${o.config?.k ?? KEY}.js"></script>
</head><body style="margin:0"><div style="height:${o.height ?? 500}px">Page ${escapeHtml(path)}</div></body></html>`;
}

/** Every request a page makes (any origin), with its body, to search for leaks. */
export function recordPageRequests(page: Page): { url: string; body: string }[] {
  const seen: { url: string; body: string }[] = [];
  page.on("request", (r) => seen.push({ url: r.url(), body: r.postData() ?? "" }));
  return seen;
}

/** A hit body as the Worker reads it (array form decoded, ids and hash as hex); throws where the Worker answers 400. */
export function parseHit(body: string): Hit {
  const parsed = checkHit(JSON.parse(body));
  if ("problems" in parsed) throw new Error(`invalid hit ${body}: ${JSON.stringify(parsed.problems)}`);
  return parsed.hit;
}

/** The email hash the script keeps in sessionStorage (its bytes in decimal), as hex. */
export const storedHashHex = (stored: string | null) =>
  stored === null ? null : Buffer.from(stored.split(",").map(Number)).toString("hex");

/** Hits of one kind. */
export const ofType = <T extends Hit["t"]>(hits: Hit[], t: T) =>
  hits.filter((h): h is Extract<Hit, { t: T }> => h.t === t);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A short window in which a test proves that nothing happens (no request sent, nothing stored):
 * `why` names what the window gives a chance to. Prefer a positive control where there is one (a
 * later hit that is counted shows the pipeline went past the point); this is for the rest.
 */
export async function quietPeriod(ms: number, why: string): Promise<void> {
  if (!why) throw new Error("say what the quiet period gives a chance to");
  await sleep(ms);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function send(res: ServerResponse, status: number, type?: string, body = "", cache?: string) {
  if (type) res.setHeader("content-type", type);
  if (cache) res.setHeader("cache-control", cache);
  res.writeHead(status).end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
