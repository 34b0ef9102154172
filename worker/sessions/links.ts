import { sha256Hex } from "../lib/crypto";
import { randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import { LINK_TTL_MS, MAILED_LINK_TTL_MS, type SessionRole } from "./rules";

export interface LinkRequest {
  partnerId: string;
  /** null: the partner's console. */
  organizationId: string | null;
  email: string;
  role: SessionRole;
  /** A link the platform mails (rather than one the partner's app redirects to at once): longer-lived, opened with a click. */
  mailed?: boolean;
}

export interface SignInLink {
  url: string;
  expiresAt: string;
}

/** The path a link opens, below the dashboard's base. */
export const signInPath = (token: string) => `/sign-in/${token}`;

/**
 * Mints a single-use link to the partner's dashboard (or console) at `place` (its domain or the
 * platform host, `partners/custom-domain.ts` decides); it works on that host only.
 */
export async function issueSignInLink(
  db: D1Database,
  place: { origin: string; base: string },
  request: LinkRequest,
): Promise<SignInLink> {
  const token = randomHex(32);
  const now = Date.now();
  const expiresAt = isoSeconds(now + (request.mailed ? MAILED_LINK_TTL_MS : LINK_TTL_MS));
  await db
    .prepare(
      `INSERT INTO sign_in_links (token_hash, partner_id, organization_id, email, role, host, expires_at, created_at, mailed)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      await sha256Hex(token),
      request.partnerId,
      request.organizationId,
      request.email,
      request.role,
      new URL(place.origin).host,
      expiresAt,
      isoSeconds(now),
      request.mailed ? 1 : 0,
    )
    .run();
  return { url: `${place.origin}${place.base}${signInPath(token)}`, expiresAt };
}

export interface RedeemedLink {
  partnerId: string;
  organizationId: string | null;
  email: string;
  role: SessionRole;
  host: string;
  /** The platform mailed it: its page asks for a click before spending it (a mail scanner must not). */
  mailed: boolean;
}

interface LinkRow extends Omit<RedeemedLink, "partnerId" | "organizationId" | "mailed"> {
  partner_id: string;
  organization_id: string | null;
  expires_at: string;
  used_at: string | null;
  mailed: number;
}

export type Redemption =
  | { ok: true; link: RedeemedLink }
  /** `partnerId` is known when the token was real, so the refusal can carry the partner's brand. */
  | { ok: false; reason: "unknown" | "expired" | "used"; partnerId: string | null };

/**
 * The link behind a token on this host as it stands, nothing spent: one read, and no write for a
 * token that matches nothing. A link opened on another host than the one it points to, or on a
 * partner's domain (`hostPartnerId`) for another partner, is unknown (security audit N1).
 */
export async function peekSignInLink(
  db: D1Database,
  token: string,
  host: string,
  hostPartnerId: string | null,
): Promise<Redemption> {
  if (!/^[0-9a-f]{64}$/.test(token)) return { ok: false, reason: "unknown", partnerId: null };
  const row = await db
    .prepare("SELECT * FROM sign_in_links WHERE token_hash = ?")
    .bind(await sha256Hex(token))
    .first<LinkRow>();
  if (!row || row.host !== host || (hostPartnerId !== null && row.partner_id !== hostPartnerId))
    return { ok: false, reason: "unknown", partnerId: null };
  if (row.used_at) return { ok: false, reason: "used", partnerId: row.partner_id };
  if (Date.parse(row.expires_at) <= Date.now()) return { ok: false, reason: "expired", partnerId: row.partner_id };
  const { partner_id, organization_id, email, role, mailed } = row;
  return {
    ok: true,
    link: { partnerId: partner_id, organizationId: organization_id, email, role, host, mailed: mailed === 1 },
  };
}

/** Marks the link used, once: of two concurrent openings exactly one wins (the other sees it used). */
export async function redeemSignInLink(
  db: D1Database,
  token: string,
  host: string,
  hostPartnerId: string | null,
): Promise<Redemption> {
  const found = await peekSignInLink(db, token, host, hostPartnerId);
  if (!found.ok) return found;
  const now = isoSeconds();
  const won = await db
    .prepare(
      `UPDATE sign_in_links SET used_at = ?
       WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? AND host = ? RETURNING token_hash`,
    )
    .bind(now, await sha256Hex(token), now, host)
    .first();
  return won ? found : { ok: false, reason: "used", partnerId: found.link.partnerId };
}

/**
 * A host stopped being the partner's (its domain was changed or removed): the sessions bound to it
 * end and its unused links are deleted, so nothing issued for it works if it comes back to anyone.
 */
export async function endEverythingOnHost(db: D1Database, host: string): Promise<void> {
  const now = isoSeconds();
  await db.batch([
    db
      .prepare("UPDATE dashboard_sessions SET ended_at = ?, end_reason = 'revoked' WHERE host = ? AND ended_at IS NULL")
      .bind(now, host),
    db.prepare("DELETE FROM sign_in_links WHERE host = ? AND used_at IS NULL").bind(host),
  ]);
}

/** Links are useless a day after they expire (the refusal page says "expired" or "used" until then). */
export async function pruneSignInLinks(db: D1Database, now = Date.now()): Promise<void> {
  await db
    .prepare("DELETE FROM sign_in_links WHERE expires_at < ?")
    .bind(isoSeconds(now - 24 * 3600_000))
    .run();
}
