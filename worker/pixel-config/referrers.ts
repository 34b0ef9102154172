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
  value = normalizeHost(value.split("/", 1)[0]!);
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
 * With a non-empty list, the page URL the hit reports and the browser-set `Origin` (and
 * `Referer`, when sent) must all be allowed. Page scripts cannot forge the headers; a
 * missing `Origin`, or `Origin: null` (a `no-referrer` policy, a sandboxed iframe, a
 * `data:` page), proves nothing about the sending page, so it is refused.
 */
export function referrerAllowed(pageUrl: string, headers: Headers, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  const origin = hostOf(headers.get("origin"));
  const page = hostOf(pageUrl);
  if (origin === null || page === null) return false;
  const referer = hostOf(headers.get("referer"));
  return [origin, page, ...(referer === null ? [] : [referer])].every((h) => hostAllowed(h, allowed));
}
