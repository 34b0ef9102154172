/** Longest referrer kept. */
export const REFERRER_LENGTH = 512;

/** What a page URL says about the visit: path for page statistics, UTM tags for the source. */
export interface PageFacts {
  path: string;
  utm: {
    source: string | null;
    medium: string | null;
    campaign: string | null;
    term: string | null;
    content: string | null;
  };
}

export function pageFacts(url: string, hashRouting: boolean): PageFacts {
  const u = new URL(url);
  const q = u.searchParams;
  const tag = (name: string) => q.get(`utm_${name}`)?.slice(0, 255) || null;
  const path = (u.pathname + (hashRouting && u.hash.startsWith("#/") ? u.hash : "")).slice(0, 1024);
  return {
    path,
    utm: {
      source: tag("source"),
      medium: tag("medium"),
      campaign: tag("campaign"),
      term: tag("term"),
      content: tag("content"),
    },
  };
}
