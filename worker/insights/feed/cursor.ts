/** Keyset cursor of the feed: the last row's `lastSeenAt` and id, opaque to the page. */
export interface FeedCursor {
  lastSeenAt: string;
  id: string;
}

export function encodeCursor(cursor: FeedCursor): string {
  return btoa(`${cursor.lastSeenAt}|${cursor.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** null for anything that is not a cursor this feed made. */
export function decodeCursor(text: string | undefined): FeedCursor | null {
  if (!text || text.length > 200 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const [lastSeenAt, id, extra] = atob(text.replace(/-/g, "+").replace(/_/g, "/")).split("|");
    if (extra !== undefined || !/^\d{4}-\d{2}-\d{2}T[\d:]{8}Z$/.test(lastSeenAt) || !/^[\w-]{1,64}$/.test(id ?? ""))
      return null;
    return { lastSeenAt, id };
  } catch {
    return null;
  }
}
