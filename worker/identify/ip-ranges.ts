import { companyIdentity, type Identifier } from "./identifier";
import { mask, parseIp, toHex } from "../lib/ip";

/** Key of a range in `company_ip_ranges`: prefix length, then network address. */
export function rangeKey(network: bigint, prefix: number): string {
  return `${String(prefix).padStart(3, "0")}:${toHex(network)}`;
}

/**
 * The prefix lengths imported ranges use change only when an import brings a new one: an isolate
 * keeps them for a minute (the isolate that ran the import forgets them at once).
 */
const LENGTHS_TTL_MS = 60_000;
let knownLengths: { lengths: number[]; until: number } | null = null;

async function prefixLengths(db: D1Database): Promise<number[]> {
  if (knownLengths && knownLengths.until > Date.now()) return knownLengths.lengths;
  const { results } = await db.prepare("SELECT prefix FROM ip_prefix_lengths").all<{ prefix: number }>();
  knownLengths = { lengths: results.map((r) => r.prefix), until: Date.now() + LENGTHS_TTL_MS };
  return knownLengths.lengths;
}

/** After an import: this isolate reads the prefix lengths again. */
export function forgetPrefixLengths(): void {
  knownLengths = null;
}

/**
 * B2B: the visitor's address against imported company ranges. For each prefix length in
 * use, the address's network is an exact key; the longest matching prefix wins, so a
 * company's /28 inside an ISP's /16 resolves to the company. One query for all the addresses.
 */
export function ipRangeIdentifier(db: D1Database): Identifier {
  return {
    async identify(inputs) {
      const wanted = inputs.map((input) => (input.productType === "B2B" && input.ip ? parseIp(input.ip) : null));
      if (wanted.every((ip) => ip === null)) return inputs.map(() => null);
      const lengths = await prefixLengths(db);
      const distinct = [...new Set(wanted.filter((ip): ip is bigint => ip !== null))];
      // Every (address, prefix length) key in one list: the ranges found, longest prefix first per address.
      const { results } =
        lengths.length === 0
          ? { results: [] }
          : await db
              .prepare(
                `SELECT j.value ->> 0 AS ip, r.company_id FROM json_each(?) j
                 CROSS JOIN company_ip_ranges r ON r.range_key = j.value ->> 1 ORDER BY r.range_key DESC`,
              )
              .bind(
                JSON.stringify(
                  distinct.flatMap((ip, i) => lengths.map((prefix) => [i, rangeKey(ip & mask(prefix), prefix)])),
                ),
              )
              .all<{ ip: number; company_id: string }>();
      const byIp = new Map<bigint, string>();
      for (const row of results) if (!byIp.has(distinct[row.ip]!)) byIp.set(distinct[row.ip]!, row.company_id);
      return wanted.map((ip) => {
        const companyId = ip === null ? null : byIp.get(ip);
        return companyId ? companyIdentity(companyId) : null;
      });
    },
  };
}
