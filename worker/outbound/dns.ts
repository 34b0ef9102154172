const LOOKUP_TIMEOUT_MS = 5_000;
/** DNS RR types of addresses (RFC 1035, RFC 3596). */
const ADDRESS_TYPES = { A: 1, AAAA: 28 } as const;
/** RCODEs that mean "looked up fine": NOERROR and NXDOMAIN (no such name: no addresses). */
const ANSWERED = new Set([0, 3]);

interface DohResponse {
  Status: number;
  Answer?: { name: string; type: number; data: string }[];
}

/** The resolver could not say (down, slow, SERVFAIL): nothing is known about the name. */
export class ResolutionError extends Error {}

async function query(dohUrl: string, name: string, type: keyof typeof ADDRESS_TYPES): Promise<string[]> {
  const url = new URL(dohUrl);
  url.searchParams.set("name", name);
  url.searchParams.set("type", type);
  let body: DohResponse;
  try {
    const response = await fetch(url, {
      headers: { accept: "application/dns-json" },
      signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`resolver answered ${response.status}`);
    body = await response.json();
  } catch (error) {
    throw new ResolutionError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!ANSWERED.has(body.Status)) throw new ResolutionError(`${name}: DNS error ${body.Status}`);
  // A CNAME chain comes with the addresses it ends at; only those are kept.
  return (body.Answer ?? []).filter((answer) => answer.type === ADDRESS_TYPES[type]).map((answer) => answer.data);
}

/**
 * Every IPv4 and IPv6 address `name` resolves to, through the DNS-over-HTTPS (JSON) resolver at
 * `dohUrl` (the setting `DOH_URL`); empty when the name does not exist. Throws `ResolutionError` when the
 * resolver cannot answer.
 */
export async function resolveAddresses(dohUrl: string, name: string): Promise<string[]> {
  const [v4, v6] = await Promise.all([query(dohUrl, name, "A"), query(dohUrl, name, "AAAA")]);
  return [...v4, ...v6];
}
