import { parseIp } from "../lib/ip";

/**
 * Who is asking, for counting: `CF-Connecting-IP` (set by Cloudflare; a client-sent value only
 * reaches the Worker in local development), as one subscriber (see `subscriberOf`).
 */
export function clientAddress(headers: Headers): string {
  return subscriberOf(headers.get("cf-connecting-ip")?.trim() ?? "");
}

/**
 * An address as one subscriber: IPv4 as it is, IPv6 as its /64 (the block one line usually
 * gets), so rotating addresses within it buys nothing.
 */
export function subscriberOf(ip: string): string {
  const value = parseIp(ip);
  if (value === null) return ip === "" ? "unknown" : ip.slice(0, 64);
  if (!ip.includes(":") || value >> 32n === 0xffffn) return ip;
  return `${(value >> 64n).toString(16)}/64`;
}
