/**
 * Allowed-referrer rule (docs/collect.md): hosts compare lower-cased without port or
 * trailing dot; `example.com` matches only that host; `*.example.com` matches every
 * subdomain but not the apex; an empty list allows every host.
 */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
}

/** Normalises an allowed-referrer entry; accepts a bare host, `*.suffix`, or a URL (scheme and path dropped). */
export function normalizeReferrerEntry(entry: string): string | null {
  let value = entry.trim().toLowerCase();
  if (value.includes("://")) {
    try {
      value = new URL(value).host;
    } catch {
      return null;
    }
  }
  value = normalizeHost(value.split("/")[0]);
  const host = value.startsWith("*.") ? value.slice(2) : value;
  if (!/^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/.test(host)) {
    // IPv6 literals such as [::1] are allowed as exact hosts.
    return /^\[[0-9a-f:.]+\]$/.test(host) ? value : null;
  }
  return value;
}

export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const h = normalizeHost(host);
  return allowed.some((entry) => (entry.startsWith("*.") ? h.endsWith(entry.slice(1)) : h === entry));
}

function hostOf(url: string | null | undefined): string | null {
  if (!url || url === "null") return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/**
 * Every host the hit names (its page URL, and the browser-set `Origin` and `Referer`
 * headers) must be allowed: page scripts cannot forge the headers, and non-browser
 * clients must still name an allowed page.
 */
export function referrerAllowed(pageUrl: string, headers: Headers, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const hosts = [hostOf(pageUrl), hostOf(headers.get("origin")), hostOf(headers.get("referer"))];
  const present = hosts.filter((h): h is string => h !== null);
  return present.length > 0 && present.every((h) => hostAllowed(h, allowed));
}
