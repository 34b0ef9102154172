import { secretsEqual, sha256Hex } from "../lib/crypto";

/**
 * Synchronizer token bound to the session: derived from the cookie's secret, which only the
 * browser holds (D1 keeps a different hash of it), so it needs no storage and dies with the session.
 */
export const csrfToken = (sessionSecret: string) => sha256Hex(`csrf:${sessionSecret}`);

export async function csrfTokenValid(sessionSecret: string, submitted: unknown): Promise<boolean> {
  if (typeof submitted !== "string" || submitted.length !== 64) return false;
  return secretsEqual(await csrfToken(sessionSecret), submitted);
}

/** The form was posted from this origin: `Origin`, or `Referer` when a browser sent no `Origin`. */
export function postedFromOwnOrigin(request: Request): boolean {
  const own = new URL(request.url).origin;
  const origin = request.headers.get("origin");
  if (origin !== null) return origin === own;
  const referer = request.headers.get("referer");
  if (!referer) return false;
  try {
    return new URL(referer).origin === own;
  } catch {
    return false;
  }
}
