import type { MailKind } from "../../shared/email";
import { configOf } from "../config";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { brandOf, type Brand } from "../insights/brand/queries";
import { dashboardPlace, liveDomain, type DashboardPlace } from "../partners/custom-domain";
import { loadPartner } from "../partners/partner";
import { tenantOfPartner, type TenantEnv } from "../shards";
import type { Mailbox } from "./message";
import { senderWithServer } from "./senders";
import { renderEmail, type EmailContent } from "./template";
import { deliver, failed, type MailOutcome, type Transport } from "./transport";
import { isUnsubscribed, unsubscribePath, unsubscribeToken, type Subscription } from "./unsubscribe";

/**
 * The one way mail leaves the platform: `sendMail` renders the content in the partner's brand,
 * sends it as the partner (its own sender) or from the platform's sender under the partner's name,
 * with a one-click unsubscribe, unless the recipient unsubscribed from this kind already. It never
 * throws for what a server answered or for a missing setting: the outcome says what happened.
 */
export interface MailRequest {
  partnerId: string;
  /** The organization the mail is about; null for mail about the partner itself. */
  organizationId: string | null;
  kind: MailKind;
  to: string;
  content: EmailContent;
  /**
   * The URL of the API request that sends the mail, if any: links then fall back to its origin when
   * `DASHBOARD_BASE_URL` is unset. Background work (queues, cron) has none.
   */
  requestUrl?: string;
}

/** A setting the mail cannot go out without; reported as a failed outcome at step `setup`. */
class MailSetupError extends Error {}

/**
 * Where the links of a partner's mail point (its sign-in links, its unsubscribe page): the
 * partner's live domain, else `DASHBOARD_BASE_URL`, else the origin of the request.
 */
export async function mailPlace(env: Env, partnerId: string, requestUrl?: string): Promise<DashboardPlace> {
  const partner = await loadPartner(env.CATALOG, partnerId);
  if (liveDomain(env, partner)) return dashboardPlace(env, partner, "");
  const base = configOf(env).dashboardBaseUrl ?? requestUrl;
  if (!base) {
    throw new MailSetupError(
      "links in mail sent in the background need DASHBOARD_BASE_URL (the platform's public origin)",
    );
  }
  return dashboardPlace(env, partner, base);
}

interface Sender {
  from: Mailbox;
  replyTo: Mailbox | null;
  transport: Transport;
}

/** The partner's own sender, else the platform's under the partner's name (Reply-To: its support address). */
async function senderOf(env: Env, tenant: TenantEnv, brand: Brand): Promise<Sender> {
  const own = await senderWithServer(tenant, brand.partnerId);
  if (own) {
    return {
      from: { name: own.sender.fromName, address: own.sender.fromAddress },
      replyTo: own.sender.replyTo ? { address: own.sender.replyTo } : null,
      transport: { kind: "smtp", server: own.server },
    };
  }
  const { mail } = configOf(env);
  if (!mail.from) throw new MailSetupError("this server has no sender address: set MAIL_FROM");
  const transport: Transport | null = env.EMAIL
    ? { kind: "binding", binding: env.EMAIL }
    : mail.relay
      ? { kind: "smtp", server: mail.relay }
      : null;
  if (!transport) throw new MailSetupError("this server sends no mail: set MAIL_SMTP_URL or bind EMAIL");
  return {
    from: { name: brand.name, address: mail.from },
    replyTo: brand.supportEmail ? { name: brand.name, address: brand.supportEmail } : null,
    transport,
  };
}

export async function sendMail(env: Env, request: MailRequest): Promise<MailOutcome> {
  const tenant = await tenantOfPartner(env, request.partnerId);
  const subscription: Subscription = {
    partnerId: request.partnerId,
    organizationId: request.organizationId,
    kind: request.kind,
    email: request.to,
  };
  if (await isUnsubscribed(tenant.DB, subscription)) return { status: "unsubscribed", messageId: null, error: null };
  const brand = await brandOf(env.CATALOG, request.partnerId);
  if (!brand) throw new Error(`partner ${request.partnerId} vanished`);
  try {
    const [sender, place, token] = await Promise.all([
      senderOf(env, tenant, brand),
      mailPlace(env, request.partnerId, request.requestUrl),
      unsubscribeToken(env, subscription),
    ]);
    const unsubscribeUrl = `${place.origin}${place.base}${unsubscribePath(token)}`;
    const rendered = renderEmail(brand, { ...request.content, unsubscribeUrl });
    return await deliver(
      sender.transport,
      {
        from: sender.from,
        replyTo: sender.replyTo,
        to: { address: request.to },
        ...rendered,
        headers: {
          "List-Unsubscribe": `<${unsubscribeUrl}>`,
          "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
          "Auto-Submitted": "auto-generated",
        },
      },
      { timeoutMs: configOf(env).mail.timeoutMs },
    );
  } catch (error) {
    // A missing setting (sender, base URL, the key secrets are sealed with) is the operator's to fix, not a crash.
    if (error instanceof MailSetupError || (error instanceof ApiError && error.code === "ServiceUnavailable")) {
      return failed("setup", error.message);
    }
    throw error;
  }
}
