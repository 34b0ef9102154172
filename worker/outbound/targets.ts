import { mask, parseCidr, parseIp } from "../identify/ip";

/**
 * Where the platform may send what leaves it (webhooks, chat channels, SMTP servers): public hosts
 * only, unless the server runs in local development, where loopback and private targets (a receiver
 * or mail sink on this machine) are allowed.
 */

/** Names that only ever mean this machine or a local network. */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa)$/;

/** Address blocks that are not the public internet (RFC 6890 and friends); IPv4-mapped IPv6 falls in the IPv4 ones. */
const NON_PUBLIC = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "224.0.0.0/3",
  "::/127",
  "64:ff9b:1::/48",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
].map((cidr) => parseCidr(cidr)!);

/** True for a name or address on the public internet; false for loopback, private, link-local and local names. */
export function isPublicHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  const ip = parseIp(host);
  if (ip !== null) return !NON_PUBLIC.some((block) => (ip & mask(block.prefix)) === block.network);
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

/** An SMTP server the platform may connect to: where it is and how the connection is secured. */
export interface SmtpTarget {
  host: string;
  port: number;
  security: "tls" | "starttls" | "none";
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
