import { parseIp } from "../identify/ip";

/**
 * Who is asking, for counting: `CF-Connecting-IP` (set by Cloudflare; a client-sent value only
 * reaches the Worker in local development). An IPv6 address counts as its /64, the block one
 * subscriber line usually gets, so rotating addresses within it buys nothing.
 */
export function clientAddress(headers: Headers): string {
  const ip = headers.get("cf-connecting-ip")?.trim() ?? "";
  const value = parseIp(ip);
  if (value === null) return ip === "" ? "unknown" : ip.slice(0, 64);
  if (!ip.includes(":") || value >> 32n === 0xffffn) return ip;
  return `${(value >> 64n).toString(16)}/64`;
}
