import type { Env } from "../env";
import { sendMail } from "../email/send";
import type { EmailContent } from "../email/template";
import { isPermanentFailure, type MailOutcome } from "../email/transport";
import type { PostResult } from "./channels";
import { OPEN_LABEL, TRIGGER_LABELS, type AlertContent } from "./content";

/**
 * An alert by e-mail: the same content as in Slack and Teams (the company, or a person where consent
 * allows; its facts; this visit's pages and source; a button to its page on the partner's dashboard),
 * in the partner's branded template, to one recipient, with the one-click unsubscribe of every mail.
 */
export function alertMail(content: AlertContent): EmailContent {
  const kind = content.test ? "Test of alert" : TRIGGER_LABELS[content.trigger];
  const facts = [
    ...(content.domain ? [{ label: "Domain", value: content.domain }] : []),
    ...content.facts,
    { label: "Source", value: content.source },
  ];
  const visit =
    content.pages.length === 0
      ? [{ title: "This visit", paragraphs: ["No page stored yet."] }]
      : [
          { title: "This visit", items: content.pages.map((path) => ({ title: path })) },
          ...(content.morePages > 0 ? [{ paragraphs: [`and ${content.morePages} more pages`] }] : []),
        ];
  return {
    subject: `${kind}: ${content.title}`,
    preheader: `${content.title}${content.domain ? ` (${content.domain})` : ""} is on ${content.organizationName}'s website.`,
    heading: content.title,
    paragraphs: [`${kind} · alert “${content.ruleName}” for ${content.organizationName}`],
    sections: [{ facts }, ...visit],
    action: { label: OPEN_LABEL, url: content.link },
    reason: `You get this e-mail as a recipient of the alert “${content.ruleName}” for ${content.organizationName}.`,
  };
}

/** Mails one alert to one recipient; the outcome in the terms of the delivery log. */
export async function sendAlertMail(env: Env, content: AlertContent, to: string): Promise<PostResult> {
  const outcome = await sendMail(env, {
    partnerId: content.partnerId,
    organizationId: content.organizationId,
    kind: "alert",
    to,
    content: alertMail(content),
  });
  return resultOf(outcome, content.organizationName);
}

/**
 * Delivered, or why not. A permanent refusal (a 5xx reply), a missing setting and an unsubscribed
 * recipient are not retried; a connection that failed or a 4xx reply is.
 */
function resultOf(outcome: MailOutcome, organizationName: string): PostResult {
  const base = { statusCode: null, retryAfter: null };
  if (outcome.status === "delivered") return { ...base, ok: true, error: null };
  if (outcome.status === "unsubscribed") {
    return {
      ...base,
      ok: false,
      error: `Not sent: the recipient unsubscribed from alerts about ${organizationName}`,
      refused: true,
    };
  }
  return { ...base, ok: false, error: outcome.error!.message.slice(0, 500), refused: isPermanentFailure(outcome) };
}
