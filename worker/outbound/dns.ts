import { dohRecords } from "../lib/doh";

/**
 * Every IPv4 and IPv6 address `name` resolves to, through the DNS-over-HTTPS resolver at `dohUrl`;
 * empty when the name does not exist. Throws `DnsLookupError` when the resolver cannot answer.
 */
export async function resolveAddresses(dohUrl: string, name: string): Promise<string[]> {
  const [v4, v6] = await Promise.all([dohRecords(dohUrl, name, "A"), dohRecords(dohUrl, name, "AAAA")]);
  return [...v4, ...v6];
}
