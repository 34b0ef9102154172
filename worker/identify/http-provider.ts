import { z } from "zod";
import { subscriberOf } from "../rate-limit/address";
import { upsertCompanyStatements, type CompanyData } from "./companies";
import { companyIdentity, type Identifier } from "./identifier";
import { WEB_LINK_PROTOCOL } from "../lib/web-link";

/** An answer (a company or none) is kept this long per address. */
const ANSWER_SECONDS = 24 * 3600;
/** A failed lookup (timeout, error status, unusable answer) is not retried for this long per address. */
const FAILURE_SECONDS = 5 * 60;
/** The provider must answer within this, or the visitor stays unidentified (the hits batch waits no longer). */
export const PROVIDER_TIMEOUT_MS = 3_000;

const text = z.string().trim().max(255).nullish();

/** What a provider's company must look like to be stored and shown to partners (as the operator import's rules). */
const ProvidedCompany = z.object({
  name: z.string().trim().min(1).max(255),
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/),
  industry: text,
  employeeRange: text,
  revenueRange: text,
  country: text,
  region: text,
  city: text,
  linkedinUrl: z.url({ protocol: WEB_LINK_PROTOCOL }).max(2048).nullish(),
});

const Answer = z.object({ company: z.unknown().optional() });

export interface ProviderOptions {
  timeoutMs?: number;
}

/**
 * A licensed B2B data provider behind HTTP: `GET {url}?ip=…` with a bearer token answers
 * `{ "company": CompanyData | null }`. Answers are cached per address for a day (Cache API;
 * an IPv6 address counts as its /64, so rotating within it costs no new call), failures for
 * five minutes, so a slow or failing provider is not asked again on every hit. Found companies
 * that pass the import's rules are stored like imported ones; anything else is ignored.
 */
export function httpProviderIdentifier(
  db: D1Database,
  url: string,
  token: string | undefined,
  { timeoutMs = PROVIDER_TIMEOUT_MS }: ProviderOptions = {},
): Identifier {
  return {
    async identify(inputs) {
      return Promise.all(
        inputs.map(async (input) => {
          if (input.productType !== "B2B" || !input.ip) return null;
          const company = await lookup(url, token, input.ip, timeoutMs);
          if (!company) return null;
          await db.batch(upsertCompanyStatements(db, company));
          const row = await db
            .prepare("SELECT id FROM companies WHERE domain = ?")
            .bind(company.domain)
            .first<{ id: string }>();
          return row ? companyIdentity(row.id) : null;
        }),
      );
    },
  };
}

async function lookup(
  url: string,
  token: string | undefined,
  ip: string,
  timeoutMs: number,
): Promise<CompanyData | null> {
  const cache = await caches.open("identify-provider");
  const key = `${url}?ip=${encodeURIComponent(subscriberOf(ip))}`;
  const cached = await cache.match(key);
  if (cached) return parseCompany(await cached.json().catch(() => null));

  let answer: unknown = null;
  let seconds = FAILURE_SECONDS;
  try {
    const response = await fetch(`${url}?ip=${encodeURIComponent(ip)}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.ok) {
      const body = Answer.safeParse(await response.json());
      if (body.success && (body.data.company == null || parseCompany(body.data) !== null)) {
        answer = body.data;
        seconds = ANSWER_SECONDS;
      }
    }
  } catch {
    // Timed out or unreachable: a failure, remembered briefly like an error status.
  }
  const company = parseCompany(answer);
  await cache.put(key, Response.json({ company }, { headers: { "cache-control": `max-age=${seconds}` } }));
  return company;
}

function parseCompany(answer: unknown): CompanyData | null {
  const company = (answer as { company?: unknown } | null)?.company;
  const parsed = ProvidedCompany.safeParse(company);
  return parsed.success ? parsed.data : null;
}
