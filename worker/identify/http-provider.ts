import { upsertCompanyStatements, type CompanyData } from "./companies";
import { companyIdentity, type Identifier } from "./identifier";

const CACHE_SECONDS = 24 * 3600;

/**
 * A licensed B2B data provider behind HTTP: `GET {url}?ip=…` with a bearer token answers
 * `{ "company": CompanyData | null }`. Answers are cached per address for a day (Cache API),
 * so repeat visitors cost no provider call; found companies are stored like imported ones.
 */
export function httpProviderIdentifier(db: D1Database, url: string, token: string | undefined): Identifier {
  return {
    async identify(inputs) {
      return Promise.all(
        inputs.map(async (input) => {
          if (input.productType !== "B2B" || !input.ip) return null;
          const company = await lookup(url, token, input.ip);
          if (!company?.domain || !company.name) return null;
          await db.batch(upsertCompanyStatements(db, company));
          const row = await db
            .prepare("SELECT id FROM companies WHERE domain = ?")
            .bind(company.domain.toLowerCase())
            .first<{ id: string }>();
          return row ? companyIdentity(row.id) : null;
        }),
      );
    },
  };
}

async function lookup(url: string, token: string | undefined, ip: string): Promise<CompanyData | null> {
  const request = new Request(`${url}?ip=${encodeURIComponent(ip)}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const cache = await caches.open("identify-provider");
  const cached = await cache.match(request.url);
  const response = cached ?? (await fetch(request).catch(() => null));
  if (!response) return null;
  if (!response.ok) return null; // provider trouble: the hit stays unidentified, never charged
  if (!cached) {
    const copy = new Response(response.clone().body, response);
    copy.headers.set("cache-control", `max-age=${CACHE_SECONDS}`);
    await cache.put(request.url, copy);
  }
  const body = (await response.json().catch(() => null)) as { company?: CompanyData | null } | null;
  return body?.company ?? null;
}
