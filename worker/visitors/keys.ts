/**
 * Short keys of the rows that grow with traffic (docs/collect.md#storage), cut from SHA-256
 * digests and written as base64url. Times are unix seconds and day numbers (lib/time.ts).
 */

export { dayNumber, dayStart, dayText, unixSeconds } from "../lib/time";

const encoder = new TextEncoder();

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

async function digest(text: string, bytes: number): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return base64Url(hash.subarray(0, bytes));
}

/** Length of an event key: 6 bytes of the event id's hash, 8 characters. */
export const EVENT_KEY_LENGTH = 8;

/** An event id as the rows of one device or one visitor keep it: collisions there are negligible. */
export const eventKey = (eventId: string) => digest(eventId, 6);

/** A text (a path, how a visit began) as an anonymous B2C visit keeps it (H4): 8 characters, whatever its length. */
export const textKey = (text: string) => digest(`text|${text}`, 6);

/** Length of a salted key (visitor id, device): 8 bytes, 11 characters. */
export const SALTED_KEY_LENGTH = 11;

/**
 * A key derived from `text` with the organization's secret salt: the same input always gives
 * the same key, and nobody without the salt can test a guess (an email hash, an address).
 */
export const saltedKey = (salt: string, text: string) => digest(`${salt}|${text}`, 8);
