/**
 * Issue 10's traffic profile: 2,000 visitors (one device each: an address and a browser) × 3 page
 * views, each page view followed by its engagement hit, spread over one UTC day; 30 % of the
 * visitors come from addresses of imported companies (each company its own, the worst case for what
 * is kept per page view), the rest from addresses nobody imported. The same profile on every run.
 * bench/storage.ts runs it through the queue consumer; bench/live.ts sends it to a running `npm start`.
 */
import { random } from "./random.ts";

export const DAY_MS = 86_400_000;

const UAS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
];
const PATHS = [
  "/",
  "/pricing",
  "/features",
  "/features/analytics",
  "/features/integrations",
  "/customers",
  "/customers/harborline",
  "/blog",
  "/blog/visitor-identification-guide",
  "/blog/b2b-intent-data",
  "/blog/gdpr-and-analytics",
  "/docs",
  "/docs/getting-started",
  "/docs/api",
  "/about",
  "/careers",
  "/contact",
  "/demo",
  "/security",
  "/integrations/hubspot",
  "/integrations/salesforce",
  "/compare/competitor-a",
  "/resources/webinar-2026",
  "/legal/privacy",
];
const REFERRERS = [
  null,
  null,
  "https://www.google.com/",
  "https://www.google.com/",
  "https://www.linkedin.com/",
  "https://news.ycombinator.com/",
  "https://duckduckgo.com/",
];
const INDUSTRIES = ["Software", "Financial Services", "Transportation & Logistics", "Healthcare", "Manufacturing"];
const EMPLOYEES = ["11-50", "51-200", "201-500", "1001-5000", "5001-10000"];
const REVENUE = ["$1M-$10M", "$10M-$50M", "$50M-$100M", "$500M-$1B"];
const PLACES: [string, string, string][] = [
  ["US", "California", "San Francisco"],
  ["US", "New York", "New York"],
  ["GB", "England", "London"],
  ["DE", "Bavaria", "Munich"],
  ["US", "Illinois", "Chicago"],
];

/** A hit as the pixel sends it (worker/edge/hit-body.ts): a page view (`v`) or its engagement (`e`). */
export interface ProfileHit {
  k: string;
  t: "v" | "e";
  i: string;
  u: string;
  w?: number;
  r?: string;
  p?: string;
  s?: number;
  d?: number;
}

/** A queue message as the edge enqueues it (the fields the profile varies are typed). */
export interface Message {
  id: string;
  body: Record<string, unknown> & { receivedAt: number; ip: string; userAgent: string; hit: ProfileHit };
  attempts: number;
}

export interface Profile {
  messages: Message[];
  pageViews: number;
  identifiedPageViews: number;
  engagements: number;
  visitors: number;
  identifiedVisitors: number;
  companies: { name: string; domain: string; ipRanges: string[] }[];
}

/**
 * The profile's messages, as the edge enqueues them, in arrival order. `only` keeps the anonymous or
 * the identified visitors' hits; `engagements: false` leaves the engagement hits out.
 */
export function profile(
  o: { organizationId: string; partnerId: string; pixelKey: string; day: number; visitors: number; seed: number },
  only?: "anonymous" | "identified",
): Profile {
  const rand = random(o.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const zipfPath = () => PATHS[Math.min(PATHS.length - 1, Math.floor(PATHS.length * rand() ** 2.2))];
  const start = o.day * DAY_MS + 6 * 3600_000;
  const messages: Message[] = [];
  const companies: Profile["companies"] = [];
  let pageViews = 0;
  let identifiedPageViews = 0;
  let engagements = 0;
  let visitors = 0;
  for (let v = 0; v < o.visitors; v++) {
    const identified = v % 10 < 3; // 30 %
    const ip = identified
      ? `10.${60 + (v >> 16)}.${(v >> 8) & 255}.${v & 255}`
      : `172.${16 + (v >> 16)}.${(v >> 8) & 255}.${v & 255}`;
    if (identified) {
      const [country, region, city] = pick(PLACES);
      companies.push({
        name: `Bench Visitor ${v} ${pick(["Logistics", "Software", "Health", "Capital", "Systems"])}`,
        domain: `visitor-${v}-${o.seed}.example`,
        industry: pick(INDUSTRIES),
        employeeRange: pick(EMPLOYEES),
        revenueRange: pick(REVENUE),
        country,
        region,
        city,
        linkedinUrl: `https://www.linkedin.com/company/visitor-${v}`,
        ipRanges: [`${ip}/32`],
      } as Profile["companies"][number]);
    }
    if ((only === "anonymous" && identified) || (only === "identified" && !identified)) continue;
    visitors += 1;
    const userAgent = pick(UAS);
    const [country, region, city] = pick(PLACES);
    let at = start + Math.floor(rand() * 14 * 3600_000);
    const referrer = pick(REFERRERS);
    const campaign = rand() < 0.2;
    let previous: string | null = null;
    for (let p = 0; p < 3; p++) {
      const path = p === 0 && campaign ? "/pricing" : zipfPath();
      const url = `https://www.client.example${path}${p === 0 && campaign ? "?utm_source=newsletter&utm_medium=email&utm_campaign=winter" : ""}`;
      const id = crypto.randomUUID();
      const base = {
        kind: "hit",
        organizationId: o.organizationId,
        shard: 1, // seedOrganization places its partner on shard 1
        partnerId: o.partnerId,
        productType: "B2B",
        ip,
        userAgent,
        country,
        region,
        city,
        bot: false,
        hashRouting: false,
      };
      const r = p === 0 ? referrer : previous;
      messages.push({
        id: `m-${id}`,
        attempts: 1,
        body: { ...base, hit: { k: o.pixelKey, t: "v", i: id, u: url, w: 1280, ...(r ? { r } : {}) }, receivedAt: at },
      });
      pageViews += 1;
      if (identified) identifiedPageViews += 1;
      const dwell = 5_000 + Math.floor(rand() * 115_000);
      const engagement = crypto.randomUUID();
      messages.push({
        id: `m-${engagement}`,
        attempts: 1,
        body: {
          ...base,
          hit: {
            k: o.pixelKey,
            t: "e",
            i: engagement,
            u: url,
            p: id,
            s: Math.round(dwell / 1000),
            d: 10 + Math.floor(rand() * 90),
          },
          receivedAt: at + dwell,
        },
      });
      engagements += 1;
      previous = url;
      at += dwell + 2_000 + Math.floor(rand() * 20_000);
    }
  }
  messages.sort((a, b) => a.body.receivedAt - b.body.receivedAt);
  return {
    messages,
    pageViews,
    identifiedPageViews,
    engagements,
    visitors,
    identifiedVisitors: only === "anonymous" ? 0 : companies.length,
    companies,
  };
}
