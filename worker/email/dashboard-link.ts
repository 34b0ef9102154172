import type { Env } from "../env";
import type { DashboardPlace } from "../partners/custom-domain";
import { sendMail } from "./send";
import type { MailOutcome } from "./transport";
import { brandAndOrganization } from "../insights/brand/queries";
import { tenantOfPartner } from "../shards";
import { issueSignInLink, type SignInLink } from "../sessions/links";
import type { ClientRole } from "../sessions/rules";

export interface MailedLinkRequest {
  partnerId: string;
  organizationId: string;
  email: string;
  role: ClientRole;
  /** The API request that asks for it (its origin is the platform host when DASHBOARD_BASE_URL is unset). */
  requestUrl: string;
}

/**
 * A sign-in link to a client's dashboard, mailed to the person it is for, in the partner's brand:
 * it works once, for a day, and opens with a click on its page (`MAILED_LINK_TTL_MS`). The caller
 * records it in the audit log with the outcome.
 */
export async function mailDashboardLink(
  env: Env,
  place: DashboardPlace,
  request: MailedLinkRequest,
): Promise<{ link: SignInLink; outcome: MailOutcome }> {
  const { partnerId, organizationId, email, role, requestUrl } = request;
  const link = await issueSignInLink(env.CATALOG, place, { partnerId, organizationId, email, role, mailed: true });
  const tenant = await tenantOfPartner(env, partnerId);
  const { brand, organization } = await brandAndOrganization(tenant, partnerId, organizationId);
  const from = brand?.name ?? "";
  const name = organization?.name ?? "your organization";
  const outcome = await sendMail(env, {
    partnerId,
    organizationId,
    kind: "dashboard_link",
    to: email,
    requestUrl,
    content: {
      subject: `Your ${name} dashboard`,
      heading: `Sign in to the ${name} dashboard`,
      paragraphs: [
        `${from} invites you to the dashboard of ${name}: the companies that visit the website, the pages they read and how engaged they were.`,
        "The button signs you in once, within 24 hours. Please do not forward this e-mail.",
      ],
      action: { label: "Open the dashboard", url: link.url },
      reason: `You get this e-mail because ${from} sent you a sign-in link.`,
    },
  });
  return { link, outcome };
}
