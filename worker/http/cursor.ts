import { z } from "@hono/zod-openapi";

/** Keyset position in a list ordered by (timestamp DESC, id DESC): the last row a page showed. */
export interface Keyset {
  at: string;
  id: string;
}

export function encodeKeyset(position: Keyset): string {
  return btoa(`${position.at}|${position.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** null for anything that is not a cursor a list made. */
export function decodeKeyset(text: string): Keyset | null {
  if (text.length > 200 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const [at = "", id = "", extra] = atob(text.replace(/-/g, "+").replace(/_/g, "/")).split("|");
    if (extra !== undefined || !/^\d{4}-\d{2}-\d{2}T[\d:]{8}Z$/.test(at) || !/^[\w-]{1,64}$/.test(id)) return null;
    return { at, id };
  } catch {
    return null;
  }
}

/** `cursor`: where the previous page ended (its `nextCursor`); decoded, or a 400 naming the field. */
export const CursorQuery = z
  .string()
  .transform((text, ctx) => {
    const position = decodeKeyset(text);
    if (!position) ctx.addIssue({ code: "custom", message: "is not a cursor this list returned" });
    return position ?? z.NEVER;
  })
  .optional()
  .openapi({
    type: "string",
    description:
      "Where the previous page ended: its `nextCursor`. Pages by position instead of number: no `total`, no offset, as fast on the last page as on the first.",
  });

/** Beyond this many rows, `page` numbers are refused: a deep OFFSET scans every row before it. Use `cursor`. */
export const MAX_OFFSET_ROWS = 10_000;
