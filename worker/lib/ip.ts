/**
 * IP addresses as 128-bit integers. IPv4 is mapped into IPv6 (`::ffff:a.b.c.d`, prefix + 96)
 * so one table and one lookup serve both families.
 */

const V4_MAPPED = 0xffffn << 32n;

function parseV4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseV6(text: string): bigint | null {
  let head = text;
  let v4Tail: bigint | null = null;
  // Embedded IPv4 in the last 32 bits (e.g. ::ffff:10.0.0.1).
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".", lastColon)) {
    v4Tail = parseV4(text.slice(lastColon + 1));
    if (v4Tail === null) return null;
    head = text.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const [before = "", after] = halves;
  const left = groups(before);
  const right = after === undefined ? [] : groups(after);
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...left, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  if (v4Tail !== null) value = (value & ~0xffffffffn) | v4Tail;
  return value;
}

/** Parses an IPv4 or IPv6 address into its 128-bit (IPv4-mapped) value. */
export function parseIp(text: string): bigint | null {
  const trimmed = text.trim();
  if (trimmed.includes(":")) return parseV6(trimmed.replace(/%.*$/, ""));
  const v4 = parseV4(trimmed);
  return v4 === null ? null : V4_MAPPED | v4;
}

export interface Cidr {
  /** Network address, 128-bit. */
  network: bigint;
  /** Prefix length in the 128-bit space (IPv4 /24 → 120). */
  prefix: number;
  /** Canonical text, e.g. `203.0.113.0/24`. */
  text: string;
}

const ALL = (1n << 128n) - 1n;

export function mask(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL;
}

/** Parses `a.b.c.d/n` or `x:y::/n` (a bare address is a /32 or /128); host bits are cleared. */
export function parseCidr(text: string): Cidr | null {
  const [addr, len, extra] = text.trim().split("/");
  if (extra !== undefined || !addr) return null;
  const isV6 = addr.includes(":");
  const max = isV6 ? 128 : 32;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return null;
  const bits = len === undefined ? max : Number(len);
  if (bits > max) return null;
  const value = parseIp(addr);
  if (value === null) return null;
  const prefix = isV6 ? bits : bits + 96;
  const network = value & mask(prefix);
  return { network, prefix, text: `${formatNetwork(network, isV6)}/${bits}` };
}

function formatNetwork(network: bigint, isV6: boolean): string {
  if (!isV6) {
    const v4 = Number(network & 0xffffffffn);
    return [24, 16, 8, 0].map((s) => (v4 >>> s) & 255).join(".");
  }
  const groups = Array.from({ length: 8 }, (_, i) => ((network >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return groups
    .join(":")
    .replace(/(^|:)0(:0)+(:|$)/, "::")
    .replace(/:{3,}/, "::");
}

/** 32 lowercase hex digits: fixed width, so text order is numeric order. */
export function toHex(value: bigint): string {
  return value.toString(16).padStart(32, "0");
}
