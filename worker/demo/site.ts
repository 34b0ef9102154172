import { Hono } from "hono";
import { SCRIPT_PATH_PREFIX } from "../../shared/hit";
import { configOf } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";

const PAGES: Record<string, { title: string; body: string }> = {
  "": {
    title: "Home",
    body: "Welcome to Acme Widgets. Every link above changes the page without a reload (pushState).",
  },
  pricing: { title: "Pricing", body: "Widgets from $9/month. Scroll down: scroll depth is reported when you leave." },
  about: { title: "About", body: "We make widgets. This page was reached by SPA navigation, counted once." },
  contact: { title: "Contact", body: "hello@acme.example. Try the back button: popstate is a page view too." },
};

/**
 * `/demo/{pixelKey}/…`: a small single-page site carrying an organization's script tag,
 * for trying the product locally. Served only when DEMO_PAGES is "on" (set in .dev.vars).
 */
export const demoSite = new Hono<AppEnv>({ strict: false }).get("/:key/:page?", (c) => {
  if (!configOf(c.env).demoPages) throw new ApiError("NotFound", "Not found");
  const key = c.req.param("key");
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(key)) throw new ApiError("NotFound", "Not found");
  const base = `/demo/${key}`;
  const links = Object.entries(PAGES)
    .map(([slug, page]) => `<a href="${base}/${slug}" data-page="${slug}">${page.title}</a>`)
    .join(" · ");
  const pages = JSON.stringify(PAGES).replace(/</g, "\\u003c");
  return c.html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Acme Widgets (demo)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}nav a{margin-right:.5rem}main{min-height:150vh}</style>
<script>window._wq=window._wq||function(){(window._wq.q=window._wq.q||[]).push(arguments)};</script>
<script async src="${SCRIPT_PATH_PREFIX}${key}.js"></script>
</head><body>
<nav>${links}</nav>
<main><h1 id="title"></h1><p id="body"></p></main>
<script>
const pages = ${pages};
function render() {
  const slug = location.pathname.split("/")[3] || "";
  const page = pages[slug] || pages[""];
  document.getElementById("title").textContent = page.title;
  document.getElementById("body").textContent = page.body;
  document.title = page.title + " · Acme Widgets (demo)";
}
document.querySelector("nav").addEventListener("click", (e) => {
  const a = e.target.closest("a");
  if (!a) return;
  e.preventDefault();
  history.pushState({}, "", a.getAttribute("href"));
  render();
});
addEventListener("popstate", render);
render();
</script>
</body></html>`);
});
