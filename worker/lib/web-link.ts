/**
 * Links a person may click (LinkedIn pages from imports or a provider): absolute http(s) URLs
 * only. `javascript:`, `data:` and every other scheme are refused on the way in and dropped on
 * the way out (a row stored before the rule, an API answer, a webhook, a dashboard page).
 */
export const WEB_LINK_PROTOCOL = /^https?$/;

/** `url` when it is an absolute http(s) URL, else null. */
export function webLink(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return WEB_LINK_PROTOCOL.test(new URL(url).protocol.slice(0, -1)) ? url : null;
  } catch {
    return null;
  }
}
