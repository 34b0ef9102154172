import { companyIdentity, type Identifier } from "./identifier";
import { mask, parseIp, rangeKey } from "./ip";

/**
 * B2B: the visitor's address against imported company ranges. For each prefix length in
 * use, the address's network is an exact key; the longest matching prefix wins, so a
 * company's /28 inside an ISP's /16 resolves to the company.
 */
export function ipRangeIdentifier(db: D1Database): Identifier {
  return {
    async identify(inputs) {
      const wanted = inputs.map((input) => (input.productType === "B2B" && input.ip ? parseIp(input.ip) : null));
      if (wanted.every((ip) => ip === null)) return inputs.map(() => null);
      const { results: lengths } = await db.prepare("SELECT prefix FROM ip_prefix_lengths").all<{ prefix: number }>();
      const lookup = db.prepare(
        `SELECT company_id FROM company_ip_ranges
         WHERE range_key IN (SELECT value FROM json_each(?)) ORDER BY range_key DESC LIMIT 1`,
      );
      const distinct = [...new Set(wanted.filter((ip): ip is bigint => ip !== null))];
      const rows =
        distinct.length === 0 || lengths.length === 0
          ? []
          : await db.batch<{ company_id: string }>(
              distinct.map((ip) =>
                lookup.bind(JSON.stringify(lengths.map(({ prefix }) => rangeKey(ip & mask(prefix), prefix)))),
              ),
            );
      const byIp = new Map(distinct.map((ip, i) => [ip, rows[i]?.results[0]?.company_id ?? null]));
      return wanted.map((ip) => {
        const companyId = ip === null ? null : byIp.get(ip);
        return companyId ? companyIdentity(companyId) : null;
      });
    },
  };
}
