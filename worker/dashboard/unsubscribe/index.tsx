import { Hono } from "hono";
import { MAIL_KIND_LABELS } from "../../email/kinds";
import {
  isUnsubscribed,
  openUnsubscribeToken,
  resubscribe,
  unsubscribe,
  type Subscription,
} from "../../email/unsubscribe";
import { brandAndOrganization } from "../../insights/brand/queries";
import { tenantOfPartner } from "../../shards";
import type { DashboardContext, DashboardEnv } from "../context";
import { message } from "../ui/layout";

/**
 * `/unsubscribe/{token}`, the link in every mail's `List-Unsubscribe` header and footer, on the host
 * the mail's links use. No sign-in: the token is the proof (worker/email/unsubscribe.ts).
 *
 *   POST  unsubscribes at once: what mail clients send for one-click (RFC 8058, body
 *         `List-Unsubscribe=One-Click`), and what the page's button sends. `action=resubscribe` undoes it.
 *   GET   a page with the button, and nothing else: link scanners that open every link must not unsubscribe.
 */

async function subscriptionOf(c: DashboardContext): Promise<Subscription | null> {
  const subscription = await openUnsubscribeToken(c.env, c.req.param("token") ?? "");
  if (!subscription) return null;
  // On a partner's own domain only that partner's links are valid.
  if (c.get("base") === "" && c.get("brand")?.partnerId !== subscription.partnerId) return null;
  return subscription;
}

const invalid = (c: DashboardContext) =>
  message(
    c,
    "This unsubscribe link is not valid",
    <p>Check that you opened the whole link from the e-mail. To stop e-mails, reply to one of them and ask.</p>,
    404,
  );

/** What the page says the recipient stops getting: "notices when credits run low about Contoso Dental". */
async function describe(c: DashboardContext, subscription: Subscription) {
  const tenant = await tenantOfPartner(c.env, subscription.partnerId);
  const { brand, organization } = await brandAndOrganization(
    tenant,
    subscription.partnerId,
    subscription.organizationId ?? "",
  );
  if (!c.get("brand")) c.set("brand", brand);
  const about = organization ? ` about ${organization.name}` : "";
  return { tenant, what: `${MAIL_KIND_LABELS[subscription.kind]}${about}`, from: brand?.name ?? "us" };
}

function page(c: DashboardContext, subscription: Subscription, what: string, from: string, unsubscribed: boolean) {
  const action = c.req.path;
  if (unsubscribed) {
    return message(
      c,
      "You are unsubscribed",
      <>
        <p>
          {subscription.email} will no longer get {what} from {from}.
        </p>
        <form method="post" action={action}>
          <input type="hidden" name="action" value="resubscribe" />
          <button type="submit" class="quiet">
            Subscribe again
          </button>
        </form>
      </>,
      200,
    );
  }
  return message(
    c,
    "Unsubscribe?",
    <>
      <p>
        {subscription.email} will no longer get {what} from {from}.
      </p>
      <form method="post" action={action}>
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit">Unsubscribe</button>
      </form>
    </>,
    200,
  );
}

export const unsubscribeRoute = new Hono<DashboardEnv>()
  .get("/unsubscribe/:token", async (c) => {
    c.header("referrer-policy", "no-referrer");
    const subscription = await subscriptionOf(c);
    if (!subscription) return invalid(c);
    const { tenant, what, from } = await describe(c, subscription);
    return page(c, subscription, what, from, await isUnsubscribed(tenant.DB, subscription));
  })
  .post("/unsubscribe/:token", async (c) => {
    c.header("referrer-policy", "no-referrer");
    const subscription = await subscriptionOf(c);
    if (!subscription) return invalid(c);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const { tenant, what, from } = await describe(c, subscription);
    if (form["action"] === "resubscribe") {
      await resubscribe(tenant.DB, subscription);
      return message(
        c,
        "You are subscribed again",
        <p>
          {subscription.email} will get {what} from {from} again.
        </p>,
        200,
      );
    }
    await unsubscribe(tenant.DB, subscription);
    return page(c, subscription, what, from, true);
  });
