const LOOKUP_TIMEOUT_MS = 5_000;
/** DNS RR types (RFC 1035, RFC 3596) the platform asks about. */
const TYPE_CODES = { A: 1, CNAME: 5, TXT: 16, AAAA: 28 } as const;
/** RCODEs that mean "looked up fine": NOERROR and NXDOMAIN (no such name: no records). */
const ANSWERED = new Set([0, 3]);

export type RecordType = keyof typeof TYPE_CODES;

interface DohResponse {
  Status: number;
  Answer?: { name: string; type: number; data: string }[];
}

/** The resolver could not say (down, slow, SERVFAIL): nothing is known about the name. */
export class DnsLookupError extends Error {}

/**
 * The data of every record of `type` at `name`, through the DNS-over-HTTPS (JSON) resolver at
 * `dohUrl` (the setting `DOH_URL`); empty when the name does not exist. A CNAME chain comes with the
 * records it ends at; only those of `type` are kept. Throws `DnsLookupError` when the resolver cannot answer.
 */
export async function dohRecords(dohUrl: string, name: string, type: RecordType): Promise<string[]> {
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
    throw new DnsLookupError(
      `DNS lookup of ${type} ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!ANSWERED.has(body.Status)) {
    throw new DnsLookupError(`DNS lookup of ${type} ${name} failed with RCODE ${body.Status}`);
  }
  return (body.Answer ?? []).filter((answer) => answer.type === TYPE_CODES[type]).map((answer) => answer.data);
}
