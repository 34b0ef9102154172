/**
 * Keyset cursors: the sort key of a page's last row, opaque to the client (base64url of a JSON
 * array). A list reads the rows after it through its index, so every page costs the same.
 */

type Shape = readonly ("string" | "number")[];
type Values<S extends Shape> = { [K in keyof S]: S[K] extends "number" ? number : string };

export function encodeCursor(values: readonly (string | number)[]): string {
  return btoa(JSON.stringify(values)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The values of a cursor this shape made; null for anything else. */
export function decodeCursor<S extends Shape>(text: string, shape: S): Values<S> | null {
  if (text.length > 300 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const values: unknown = JSON.parse(atob(text.replace(/-/g, "+").replace(/_/g, "/")));
    if (!Array.isArray(values) || values.length !== shape.length) return null;
    const fits = values.every((v, i) =>
      shape[i] === "number" ? Number.isSafeInteger(v) : typeof v === "string" && v.length <= 100,
    );
    return fits ? (values as Values<S>) : null;
  } catch {
    return null;
  }
}

/** A position in a list ordered by (time DESC, id DESC): the last row a page showed. */
export interface Keyset {
  at: string;
  id: string;
}

export const encodeKeyset = (position: Keyset): string => encodeCursor([position.at, position.id]);

/** The position of a keyset cursor; null for anything a list did not make. */
export function decodeKeyset(text: string): Keyset | null {
  const values = decodeCursor(text, ["string", "string"] as const);
  return values && { at: values[0], id: values[1] };
}
