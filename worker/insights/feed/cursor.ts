import { decodeCursor as decode, encodeCursor as encode } from "../../lib/cursor";

/** Keyset cursor of the feed: the last row's last-seen time (unix seconds) and seq, opaque to the page. */
export interface FeedCursor {
  lastSeen: number;
  seq: number;
}

export const encodeCursor = (cursor: FeedCursor) => encode([cursor.lastSeen, cursor.seq]);

/** null for anything that is not a cursor this feed made. */
export function decodeCursor(text: string | undefined): FeedCursor | null {
  const values = text === undefined ? null : decode(text, ["number", "number"] as const);
  return values ? { lastSeen: values[0], seq: values[1] } : null;
}
