/** How numbers, dates and durations read on every page (English, UTC). */

const integer = new Intl.NumberFormat("en-US");
const dayFormat = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  year: "numeric",
  timeZone: "UTC",
});
const shortDay = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const timeFormat = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: "UTC",
});

export const count = (n: number) => integer.format(n);
export const percent = (ratio: number | null) =>
  ratio === null ? "–" : `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0)}%`;

/** "1 company", "2 companies". */
export const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;

/** `2025-03-04` or an ISO time → "Mar 4, 2025". */
export const day = (value: string) => dayFormat.format(new Date(value.length === 10 ? `${value}T00:00:00Z` : value));
export const dayShort = (value: string) => shortDay.format(new Date(`${value.slice(0, 10)}T00:00:00Z`));
/** ISO time → "Mar 4, 2025, 14:05 UTC". */
export const time = (value: string) => `${timeFormat.format(new Date(value))} UTC`;

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "3 hours ago", for the last activity of an install. */
export function ago(value: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(value)) / 60_000));
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** The host of a referrer URL, or the text itself when it is not a URL. */
export function host(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
