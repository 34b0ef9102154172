/** Number formats of the bench's reports (BENCHMARKS.md, docs/scale.md): en-US, "–" for a ratio over nothing. */
export const int = (x: number) => Math.round(x).toLocaleString("en-US");
export const dec = (x: number, d = 2) =>
  x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
export const r1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "–");
export const r2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");
export const ms = (x: number) => `${x.toFixed(2)} ms`;
export const bytes = (n: number) => `${n.toLocaleString("en-US")} B`;
export const usd = (x: number) => `$${dec(x)}`;
export const big = (x: number) =>
  x >= 1e9 ? `${dec(x / 1e9)} billion` : x >= 1e6 ? `${dec(x / 1e6)} million` : int(x);
