import { toHex } from "./encoding";

/** Random lowercase hex of `bytes` bytes. */
export function randomHex(bytes: number): string {
  return toHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Resource ids: a readable type prefix plus 128 random bits, e.g. `org_3f…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomHex(16)}`;
}
