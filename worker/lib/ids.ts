/** Random lowercase hex of `bytes` bytes. */
export function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(buf, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Resource ids: a readable type prefix plus 128 random bits, e.g. `org_3f…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomHex(16)}`;
}

/** ISO 8601 UTC without milliseconds, as the API contract writes timestamps. */
export function isoSeconds(date: Date | number = Date.now()): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, "Z");
}
