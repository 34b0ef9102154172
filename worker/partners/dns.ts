import { configOf } from "../config";
import type { Env } from "../env";

const LOOKUP_TIMEOUT_MS = 5_000;
const TYPE_CODES = { CNAME: 5, TXT: 16 } as const;
/** DNS RCODEs that mean "looked up fine": NOERROR and NXDOMAIN (the name does not exist yet). */
const ANSWERED = new Set([0, 3]);

export type RecordType = keyof typeof TYPE_CODES;

interface DohResponse {
  Status: number;
  Answer?: { name: string; type: number; data: string }[];
}

export class DnsLookupError extends Error {}

/** The records of `type` at `name`: CNAME targets lower-cased without the final dot, TXT strings joined. */
export async function lookup(env: Env, name: string, type: RecordType): Promise<string[]> {
  const url = new URL(configOf(env).dohUrl);
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
  if (!ANSWERED.has(body.Status))
    throw new DnsLookupError(`DNS lookup of ${type} ${name} failed with RCODE ${body.Status}`);
  return (body.Answer ?? [])
    .filter((answer) => answer.type === TYPE_CODES[type])
    .map((answer) => (type === "CNAME" ? normalizeHost(answer.data) : txtValue(answer.data)));
}

export const normalizeHost = (host: string) => host.trim().toLowerCase().replace(/\.$/, "");

/** A TXT record comes as one or more quoted character-strings (`"a" "b"`); its value is their concatenation. */
function txtValue(data: string): string {
  const parts = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!.replace(/\\(.)/g, "$1"));
  return parts.length > 0 ? parts.join("") : data;
}
