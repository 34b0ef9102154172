const DAY_MS = 24 * 3600_000;
const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** ISO 8601 UTC without milliseconds, as the API writes timestamps. */
export function isoSeconds(date: Date | number = Date.now()): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** UTC day (YYYY-MM-DD) of a `YYYY-MM-DD` or ISO 8601 query value, or of a time in ms. */
export function utcDay(value: string | number): string {
  if (typeof value === "string" && BARE_DATE.test(value)) return value;
  return new Date(value).toISOString().slice(0, 10);
}

export const addDays = (day: string, days: number) => utcDay(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);

/** Inclusive lower bound as a stored timestamp: a bare date means the start of that day. */
export const startBound = (value: string) =>
  BARE_DATE.test(value) ? `${value}T00:00:00Z` : isoSeconds(Date.parse(value));

/** Inclusive upper bound as a stored timestamp: a bare date means the end of that day. */
export const endBound = (value: string) =>
  BARE_DATE.test(value) ? `${value}T23:59:59Z` : isoSeconds(Date.parse(value));

/** Unix seconds: how the visitor tables store times. */
export const unixSeconds = (ms: number) => Math.floor(ms / 1000);

/** Days since 1970-01-01 (UTC): how per-day rows are keyed. */
export const dayNumber = (ms: number) => Math.floor(ms / DAY_MS);

/** The `YYYY-MM-DD` of a day number. */
export const dayText = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Unix seconds at the start of a day number. */
export const dayStart = (day: number) => day * 86_400;
