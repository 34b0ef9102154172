import { MAIL_KINDS, type MailKind } from "../../shared/email";
import { configOf } from "../config";
import type { Env } from "../env";
import { isoSeconds } from "../lib/time";
import { seal, unseal } from "../lib/sealing";

/**
 * One-click unsubscribe (RFC 8058). Every mail names who gets it, from which partner, about which
 * organization (or the partner itself) and of which kind; its link carries that, sealed with
 * AES-GCM under the server's secret key (encrypted, so the address is not readable in the URL,
 * and authenticated, so nobody can make one up). The link needs no sign-in and never expires.
 */
export interface Subscription {
  partnerId: string;
  /** null: mail about the partner itself rather than one of its organizations. */
  organizationId: string | null;
  kind: MailKind;
  email: string;
}

const CONTEXT = "unsubscribe:v1";
const SEALED_PREFIX = "sealed:v1:";

const toUrlSafe = (base64: string) => base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromUrlSafe = (text: string) => {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return base64 + "=".repeat((4 - (base64.length % 4)) % 4);
};

/** The token of a subscription: a different one each time (random IV), every one valid. */
export async function unsubscribeToken(env: Env, subscription: Subscription): Promise<string> {
  const { partnerId, organizationId, kind, email } = subscription;
  const sealed = await seal(
    configOf(env).webhookSecretKey,
    CONTEXT,
    JSON.stringify([partnerId, organizationId, kind, email.toLowerCase()]),
  );
  const [iv, data] = sealed.slice(SEALED_PREFIX.length).split(":");
  return `${toUrlSafe(iv!)}.${toUrlSafe(data!)}`;
}

/** The subscription a token names, or null for anything that is not a token this server sealed. */
export async function openUnsubscribeToken(env: Env, token: string): Promise<Subscription | null> {
  const match = /^([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,2000})$/.exec(token);
  if (!match) return null;
  let fields: unknown;
  try {
    fields = JSON.parse(
      await unseal(
        configOf(env).webhookSecretKey,
        CONTEXT,
        `${SEALED_PREFIX}${fromUrlSafe(match[1]!)}:${fromUrlSafe(match[2]!)}`,
      ),
    );
  } catch {
    return null;
  }
  if (!Array.isArray(fields) || fields.length !== 4) return null;
  const [partnerId, organizationId, kind, email] = fields as unknown[];
  if (typeof partnerId !== "string" || typeof email !== "string") return null;
  if (organizationId !== null && typeof organizationId !== "string") return null;
  if (!(MAIL_KINDS as readonly unknown[]).includes(kind)) return null;
  return { partnerId, organizationId, kind: kind as MailKind, email };
}

const key = (s: Subscription) => [s.partnerId, s.organizationId ?? "", s.kind, s.email.toLowerCase()];

export async function isUnsubscribed(db: D1Database, subscription: Subscription): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 FROM email_unsubscribes WHERE partner_id = ? AND scope = ? AND kind = ? AND email = ?")
    .bind(...key(subscription))
    .first();
  return row !== null;
}

/** Idempotent: unsubscribing twice keeps the first date. */
export async function unsubscribe(db: D1Database, subscription: Subscription): Promise<void> {
  await db
    .prepare(
      "INSERT OR IGNORE INTO email_unsubscribes (partner_id, scope, kind, email, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(...key(subscription), isoSeconds())
    .run();
}

/** Undoes an unsubscribe (the confirmation page offers it, for a click made by mistake). */
export async function resubscribe(db: D1Database, subscription: Subscription): Promise<void> {
  await db
    .prepare("DELETE FROM email_unsubscribes WHERE partner_id = ? AND scope = ? AND kind = ? AND email = ?")
    .bind(...key(subscription))
    .run();
}

/** The path of the unsubscribe page below the dashboard's base (`/app` on the platform host, `` on the partner's). */
export const unsubscribePath = (token: string) => `/unsubscribe/${token}`;
