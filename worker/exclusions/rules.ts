import { parseCidr, parseIp, mask, type Cidr } from "../lib/ip";

/** Limits per organization: enough for offices and competitor lists, small enough to check per hit. */
export const MAX_DOMAINS = 500;
export const MAX_IP_RANGES = 500;
/** Ranges broader than these would exclude a large part of the internet: surely a typo. */
const MIN_PREFIX_V4 = 8;
const MIN_PREFIX_V6 = 16;

export interface Exclusions {
  domains: string[];
  ipRanges: string[];
}

export type ExclusionProblem = { field: string; message: string };

/** Lower-case host name with two labels or more; `*.` and a final dot are dropped (subdomains are always included). */
export function normalizeDomain(text: string): string | null {
  const host = text.trim().toLowerCase().replace(/^\*\./, "").replace(/\.$/, "");
  if (host.length > 253 || !host.includes(".")) return null;
  const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
  return host.split(".").every((part) => label.test(part)) ? host : null;
}

/** Normalizes and validates a list as a partner or client admin typed it; duplicates are dropped. */
export function parseExclusions(
  input: Exclusions,
): { ok: true; value: Exclusions } | { ok: false; problems: ExclusionProblem[] } {
  const problems: ExclusionProblem[] = [];
  const domains = new Set<string>();
  input.domains.forEach((text, i) => {
    const domain = normalizeDomain(text);
    if (domain) domains.add(domain);
    else
      problems.push({
        field: `domains.${i}`,
        message: `'${text.slice(0, 100)}' is not a domain name like example.com`,
      });
  });
  const ranges = new Set<string>();
  input.ipRanges.forEach((text, i) => {
    const cidr = parseCidr(text);
    if (!cidr) {
      problems.push({ field: `ipRanges.${i}`, message: `'${text.slice(0, 100)}' is not an IP address or CIDR range` });
      return;
    }
    const v6 = cidr.text.includes(":");
    const bits = v6 ? cidr.prefix : cidr.prefix - 96;
    if (bits < (v6 ? MIN_PREFIX_V6 : MIN_PREFIX_V4)) {
      problems.push({
        field: `ipRanges.${i}`,
        message: `'${cidr.text}' is too broad (at most /${v6 ? MIN_PREFIX_V6 : MIN_PREFIX_V4})`,
      });
      return;
    }
    ranges.add(cidr.text);
  });
  if (domains.size > MAX_DOMAINS) problems.push({ field: "domains", message: `at most ${MAX_DOMAINS} domains` });
  if (ranges.size > MAX_IP_RANGES) problems.push({ field: "ipRanges", message: `at most ${MAX_IP_RANGES} ranges` });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { domains: [...domains], ipRanges: [...ranges] } };
}

/** One organization's exclusions, ready to test visitors against. */
export class ExclusionRules {
  private readonly ranges: Cidr[];
  constructor(readonly value: Exclusions) {
    this.ranges = value.ipRanges.flatMap((text) => parseCidr(text) ?? []);
  }

  get hasDomains(): boolean {
    return this.value.domains.length > 0;
  }

  coversAddress(ip: string | null): boolean {
    if (!ip || this.ranges.length === 0) return false;
    const address = parseIp(ip);
    return address !== null && this.ranges.some((range) => (address & mask(range.prefix)) === range.network);
  }

  /** The domain or any of its subdomains. */
  coversDomain(domain: string | null): boolean {
    if (!domain) return false;
    const host = domain.toLowerCase();
    return this.value.domains.some((excluded) => host === excluded || host.endsWith(`.${excluded}`));
  }
}
