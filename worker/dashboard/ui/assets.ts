/**
 * The dashboard's one stylesheet and one script, hand-written and small (docs/dashboard.md,
 * "Weight"). Served with a content hash in the URL and cached for a year; every page works
 * without the script.
 */

const CSS = `
:root{--brand:#334155;--on-brand:#fff;--brand-ink:#334155;--accent:#0e7490;--ink:#1c2430;--muted:#525c6b;--line:#d5dbe3;--bg:#f5f6f8;--card:#fff;--warn:#9a4a00;--bad:#b42318;--ok:#1d6b3a;color:var(--ink);background:var(--bg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
*{box-sizing:border-box}
body{margin:0}
a{color:var(--brand-ink)}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.skip{position:absolute;left:-9999px;top:.5rem;background:#fff;color:#000;padding:.5rem 1rem;z-index:9}
.skip:focus{left:.5rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header.top{background:var(--brand);color:var(--on-brand);display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding:.6rem 1rem}
header.top a,header.top button{color:var(--on-brand)}
.brand{display:flex;align-items:center;gap:.6rem;font-weight:700;margin-right:auto}
.brand img{height:32px;width:auto;max-width:10rem;background:#fff;border-radius:4px}
.mono{display:inline-grid;place-items:center;width:32px;height:32px;border-radius:6px;background:var(--on-brand);color:var(--brand);font-weight:800}
.top nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0}
.top nav a{text-decoration:none;padding:.2rem 0;border-bottom:3px solid transparent}
.top nav a[aria-current=page]{border-bottom-color:currentColor;font-weight:700}
.top form{margin:0}
.top form button{background:transparent;border:1px solid currentColor;padding:.2rem .7rem}
.notice{background:#fff8e6;border-bottom:1px solid #e8d9a8;padding:.5rem 1rem;color:#4a3900}
main{max-width:72rem;margin:0 auto;padding:1rem}
main:focus{outline:none}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:0 0 .75rem}
h3{font-size:1rem;margin:0 0 .5rem}
.sub{color:var(--muted);margin:-.75rem 0 1rem}
.grid{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,22rem),1fr));margin-bottom:1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;min-width:0}
.kpis{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,12rem),1fr));margin-bottom:1rem}
.kpi{margin:0}.kpi dt{color:var(--muted);font-size:.875rem}.kpi dd{margin:0;font-size:1.6rem;font-weight:700;font-variant-numeric:tabular-nums}
.kpi dd small{display:block;font-size:.8rem;font-weight:400;color:var(--muted)}
.muted{color:var(--muted)}
.warn{color:var(--warn);font-weight:600}
.bad{color:var(--bad);font-weight:600}
.ok{color:var(--ok)}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;background:var(--card)}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85rem;color:var(--muted);font-weight:600}
tbody th{font-size:1rem;color:var(--ink)}
.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}
.path{word-break:break-all}
button,.btn{font:inherit;display:inline-block;white-space:nowrap;padding:.4rem .9rem;border-radius:6px;border:1px solid var(--brand);background:var(--brand);color:var(--on-brand);cursor:pointer;text-decoration:none;line-height:1.4}
.btn.quiet,button.quiet{background:#fff;color:var(--brand-ink);border-color:#8a94a3}
label{display:block;font-size:.875rem;color:var(--muted);margin-bottom:.2rem}
input,select,textarea{font:inherit;width:100%;padding:.4rem .5rem;border:1px solid #7b8594;border-radius:6px;background:#fff;color:var(--ink)}
input[type=checkbox]{width:auto}
.check{display:flex;align-items:center;gap:.4rem;color:var(--ink);font-size:1rem;margin:0 0 .45rem}
form.filters{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,8.5rem),1fr));align-items:end;margin-bottom:1rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.bar{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem;margin:0 0 .75rem}
.pager{display:flex;gap:.75rem;margin-top:1rem}
.badge{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:.8rem;border:1px solid currentColor;white-space:nowrap}
.errors{border:2px solid var(--bad);border-radius:8px;padding:.5rem 1rem;background:#fff;margin-bottom:1rem}
.status{border:1px solid var(--ok);border-radius:8px;padding:.5rem 1rem;background:#fff;margin-bottom:1rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
meter{width:100%;height:.9rem}
meter::-webkit-meter-optimum-value{background:var(--brand)}
details summary{cursor:pointer;color:var(--brand-ink);margin-top:.5rem}
figure{margin:0}
.chart{position:relative}
.chart svg{width:100%;height:auto;display:block}
.chart text{fill:var(--muted);font-size:15px}
.axis{stroke:var(--line)}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;margin:.5rem 0 0;font-size:.85rem}
.legend svg{vertical-align:-1px;margin-right:.3rem}
.f-brand,.o-identified{fill:var(--brand)}.f-accent{fill:var(--accent)}.o-not_identified{fill:#8b97a8}.o-no_credit{fill:#d97706}.o-excluded{fill:#0891b2}.o-bot{fill:#cfd6df}.o-referrer_not_allowed{fill:#dc2626}.o-disabled{fill:#4b5563}
.tip{position:absolute;z-index:5;pointer-events:none;background:#111827;color:#fff;padding:.3rem .55rem;border-radius:4px;font-size:.8rem;white-space:nowrap;transform:translate(-50%,-110%)}
.session{border-top:1px solid var(--line);padding-top:.75rem;margin-top:.75rem}
.empty{padding:2rem 1rem;text-align:center;color:var(--muted)}
.center{max-width:32rem;margin:3rem auto;text-align:center}
footer{max-width:72rem;margin:0 auto;padding:1rem;color:var(--muted);font-size:.85rem}
@media (max-width:40rem){main{padding:.75rem}h1{font-size:1.3rem}.top nav{width:100%}}
`;

const JS = `(()=>{
const tip=document.createElement("div");tip.className="tip";tip.setAttribute("aria-hidden","true");
function show(e){const t=e.target.closest&&e.target.closest("[data-tip]");const box=t&&t.closest(".chart");if(!box){tip.remove();return}
const r=box.getBoundingClientRect(),b=t.getBoundingClientRect();tip.textContent=t.getAttribute("data-tip");
tip.style.left=(b.left+b.width/2-r.left)+"px";tip.style.top=(b.top-r.top)+"px";box.appendChild(tip)}
document.addEventListener("pointerover",show);
for(const f of document.querySelectorAll("form[data-clean]"))f.addEventListener("submit",()=>{for(const el of f.elements)if(el.name&&!el.value)el.disabled=true});
addEventListener("pageshow",()=>{for(const el of document.querySelectorAll("form[data-clean] [disabled]"))el.disabled=false});
})();`;

/** FNV-1a, 32 bits: enough to tell versions apart in a URL, and synchronous at module load. */
function contentHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

export const ASSETS = {
  [`app.${contentHash(CSS)}.css`]: { body: CSS.trim(), type: "text/css; charset=utf-8" },
  [`app.${contentHash(JS)}.js`]: { body: JS, type: "text/javascript; charset=utf-8" },
} as Record<string, { body: string; type: string }>;

const [CSS_FILE, JS_FILE] = Object.keys(ASSETS);

export const stylesheetUrl = (base: string) => `${base}/assets/${CSS_FILE}`;
export const scriptUrl = (base: string) => `${base}/assets/${JS_FILE}`;
