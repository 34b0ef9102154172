import type { SmtpSecurity } from "../../shared/email";
import { mask, parseCidr, parseIp } from "../lib/ip";
import { ApiError } from "../lib/errors";
import { DnsLookupError } from "../lib/doh";
import { resolveAddresses } from "./dns";

/**
 * Where the platform may send what leaves it (webhooks, chat channels, SMTP servers): public hosts
 * only, unless the server runs in local development, where loopback and private targets (a receiver
 * or mail sink on this machine) are allowed. Two checks: `urlTargetProblem` on the text of a URL
 * (what a name or address literal says), and `resolvedTargetProblem` on where a name leads now
 * (at save and again before each send, since DNS answers change).
 */

/** Names that only ever mean this machine or a local network. */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa)$/;

/** Address blocks that are not the public internet (RFC 6890 and friends); IPv4-mapped IPv6 falls in the IPv4 ones. */
const NON_PUBLIC = [
  // IPv4
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24", // documentation (TEST-NET-1)
  "192.88.99.0/24", // 6to4 relays (deprecated)
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24", // documentation (TEST-NET-2)
  "203.0.113.0/24", // documentation (TEST-NET-3)
  "224.0.0.0/3",
  // IPv6
  "::/96", // unspecified, loopback and IPv4-compatible (`::10.0.0.1`)
  "64:ff9b::/96", // NAT64, well-known prefix: any IPv4 behind a translator
  "64:ff9b:1::/48", // NAT64, local use
  "100::/64", // discard
  "2001::/23", // IETF protocol assignments: Teredo (2001::/32), ORCHID
  "2001:db8::/32", // documentation
  "3fff::/20", // documentation
  "fc00::/7",
  "fe80::/10",
  "fec0::/10", // site-local (deprecated)
  "ff00::/8",
].map((cidr) => parseCidr(cidr)!);

/** 6to4 (2002::/16) carries an IPv4 address in bits 16–47: the address is as public as that IPv4 one. */
const SIX_TO_FOUR = parseCidr("2002::/16")!;
const V4_MAPPED = 0xffffn << 32n;

function isPublicAddress(ip: bigint): boolean {
  if ((ip & mask(SIX_TO_FOUR.prefix)) === SIX_TO_FOUR.network) {
    return isPublicAddress(V4_MAPPED | ((ip >> 80n) & 0xffffffffn));
  }
  return !NON_PUBLIC.some((block) => (ip & mask(block.prefix)) === block.network);
}

const bare = (hostname: string) =>
  hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");

/** True for a name or address on the public internet; false for loopback, private, link-local and local names. */
export function isPublicHost(hostname: string): boolean {
  const host = bare(hostname);
  const ip = parseIp(host);
  if (ip !== null) return isPublicAddress(ip);
  return host.includes(".") && !LOCAL_NAMES.test(host);
}

/**
 * What is wrong with an outbound http(s) URL, or null when it may be used: absolute, no credentials,
 * and (unless `allowPrivate`) https to a public host. Redirects are never followed by its callers.
 */
export function urlTargetProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (url.username || url.password) return "must not contain credentials";
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an https URL";
  if (allowPrivate) return null;
  if (url.protocol !== "https:") return "must be an https URL";
  if (!isPublicHost(url.hostname)) return "must point to a public host, not a local or private address";
  return null;
}

/**
 * What is wrong with sending to `host` now, or null: a public name or address that (unless
 * `allowPrivate`) resolves, through the configured DNS-over-HTTPS resolver, to public addresses
 * only (`dohUrl`: the setting `DOH_URL`). Throws `DnsLookupError` when the resolver cannot answer (the caller tries again later).
 */
export async function resolvedTargetProblem(
  dohUrl: string,
  host: string,
  allowPrivate: boolean,
): Promise<string | null> {
  if (allowPrivate) return null;
  if (!isPublicHost(host)) return "must point to a public host, not a local or private address";
  const name = bare(host);
  if (parseIp(name) !== null) return null;
  const addresses = await resolveAddresses(dohUrl, name);
  if (addresses.length === 0) return `${name} does not resolve to any address`;
  const inside = addresses.find((address) => {
    const ip = parseIp(address);
    return ip === null || !isPublicAddress(ip);
  });
  return inside === undefined ? null : `${name} resolves to ${inside}, which is not a public address`;
}

/**
 * `resolvedTargetProblem` for a target being saved through an API: a resolver that cannot answer
 * is a 503 to try again (never a silent pass). `what` names the host in that message.
 */
export async function savedTargetProblem(
  dohUrl: string,
  host: string,
  allowPrivate: boolean,
  what: string,
): Promise<string | null> {
  try {
    return await resolvedTargetProblem(dohUrl, host, allowPrivate);
  } catch (error) {
    if (!(error instanceof DnsLookupError)) throw error;
    throw new ApiError(
      "ServiceUnavailable",
      `Could not resolve ${what} to check that it is public (${error.message}); try again`,
      { retryAfter: 5 },
      { cause: error },
    );
  }
}

/** An SMTP server the platform may connect to: where it is and how the connection is secured. */
export interface SmtpTarget {
  host: string;
  port: number;
  security: SmtpSecurity;
}

/** An SMTP server with the account the platform signs in with. */
export interface SmtpServer extends SmtpTarget {
  /** null: no AUTH (a server that accepts mail without it). */
  username: string | null;
  password: string | null;
}

/**
 * What is wrong with an SMTP server as a target, naming the field, or null when it may be used.
 * Unless `allowLocal` (local development), the host must be public, the connection TLS or
 * STARTTLS, and the port not 25, which Cloudflare Workers cannot open.
 */
export function smtpTargetProblem(
  target: SmtpTarget,
  allowLocal: boolean,
): { field: "host" | "port" | "security"; message: string } | null {
  if (allowLocal) return null;
  if (!isPublicHost(target.host)) {
    return { field: "host", message: "must be a public host, not a local or private address" };
  }
  if (target.port === 25) {
    return { field: "port", message: "25 cannot be used from Cloudflare Workers: use 465 (tls) or 587 (starttls)" };
  }
  if (target.security === "none") {
    return { field: "security", message: "must be tls or starttls (none only in local development)" };
  }
  return null;
}
