/**
 * A client's website for the end-to-end tests: a plain static server on its own port
 * (another origin than the Worker), every page carrying the script tag exactly as
 * `GET …/organizations/{id}/pixel` returned it.
 */
import { once } from "node:events";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, type TestContext } from "vitest";
import { openPage, useBrowser } from "./chromium.ts";
import { parseHit } from "./hit-sink.ts";
import { type LocalWorker, type SeededOrganization, startWorker } from "./worker.ts";

export interface SiteOptions {
  /** The `scriptTag` of the pixel API, pasted verbatim. */
  scriptTag: string;
  /** HTML before the script tag in <head> (the queue snippet, queued calls). */
  head?: string;
  /** Height of each page's content in px (a default viewport is 720 px high). */
  height?: number;
}

export interface Site {
  /** Origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** Change what the pages carry from now on. */
  set(o: SiteOptions): void;
  close(): Promise<void>;
}

export async function startSite(initial: SiteOptions): Promise<Site> {
  let opts = initial;
  const server: Server = createServer((req, res) => {
    if (req.url === "/favicon.ico") return void res.writeHead(404).end();
    const path = new URL(req.url ?? "/", "http://site").pathname;
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.writeHead(200).end(`<!doctype html><html><head><meta charset="utf-8"><title>Client site</title>
${opts.head ?? ""}
${opts.scriptTag}
</head><body style="margin:0"><div style="height:${opts.height ?? 500}px">Page ${path.replace(/[^\w/-]/g, "")}</div>
<a id="away" href="/elsewhere">elsewhere</a></body></html>`);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(o) {
      opts = o;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The queue snippet of docs/pixel.md for the global `g`. */
export const queueSnippet = (g: string) =>
  `<script>window.${g}=window.${g}||function(){(window.${g}.q=window.${g}.q||[]).push(arguments)};</script>`;

/** One Worker per test file: started before its tests, stopped after them. */
export function useWorker(): () => LocalWorker {
  let worker: LocalWorker | undefined;
  beforeAll(async () => {
    worker = await startWorker();
  });
  afterAll(async () => {
    await worker?.stop();
  });
  return () => {
    if (!worker) throw new Error("worker not started");
    return worker;
  };
}

/** A desktop Chrome, not a headless one: the Worker treats "HeadlessChrome" as a bot. */
export const HUMAN_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";
/** Automation reports navigator.webdriver = true (a bot to the Worker); a person's browser does not. */
export const HUMAN_INIT = "Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false });";

export interface VisitOptions extends Partial<SiteOptions> {
  /** A person's browser (default) or the automated browser as it is (webdriver, HeadlessChrome). */
  human?: boolean;
  path?: string;
  /** Playwright's fake clock in the page, to fast-forward engagement time. */
  clock?: boolean;
  context?: BrowserContextOptions;
  /** Runs in the page before its scripts. */
  init?: string;
  /** Called with the page before its first navigation, e.g. to attach listeners. */
  before?: (page: Page) => void;
}

export interface Visit {
  page: Page;
  site: Site;
  /** Requests the page sent to the Worker's origin (script and hits), as the browser saw them. */
  toWorker: { method: string; url: string; body: string }[];
  /** Page views sent (POSTs whose body is a view hit). */
  views(): number;
}

/** Per test file: the real Worker and one Chromium; `visit` opens the organization's client site. */
export function useEndToEnd() {
  const worker = useWorker();
  const browser = useBrowser();

  async function visit(ctx: TestContext, org: SeededOrganization, o: VisitOptions = {}): Promise<Visit> {
    const site = await startSite({ scriptTag: o.scriptTag ?? org.scriptTag, head: o.head, height: o.height });
    ctx.onTestFinished(() => site.close());
    const human = o.human ?? true;
    const page = await openPage(browser(), ctx, { ...(human ? { userAgent: HUMAN_UA } : {}), ...o.context });
    if (human) await page.addInitScript(HUMAN_INIT);
    if (o.init) await page.addInitScript(o.init);
    if (o.clock) await page.clock.install();
    const toWorker: Visit["toWorker"] = [];
    const workerOrigin = new URL(scriptSrc(o.scriptTag ?? org.scriptTag)).origin;
    page.on("request", (r) => {
      if (new URL(r.url()).origin === workerOrigin)
        toWorker.push({ method: r.method(), url: r.url(), body: r.postData() ?? "" });
    });
    o.before?.(page);
    await page.goto(site.origin + (o.path ?? "/"));
    const views = () => toWorker.filter((r) => r.method === "POST" && parseHit(r.body).t === "v").length;
    return { page, site, toWorker, views };
  }

  return { worker, browser, visit };
}

export const scriptSrc = (tag: string) => /src="([^"]+)"/.exec(tag)?.[1] ?? "";

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A recording pass-through in front of the Worker: Playwright does not report CORS
 * preflights, so what the Worker receives is counted here, OPTIONS included. The Host
 * header is kept, so script tags fetched through it point at it.
 */
export async function startRecordingProxy(
  target: string,
): Promise<{ origin: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const to = new URL(target);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: body.toString("utf8") });
    const upstream = request(
      { hostname: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.writeHead(502).end());
    upstream.end(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
