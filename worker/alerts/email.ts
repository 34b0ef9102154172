import type { EmailContent } from "../email/template";
import { OPEN_LABEL, TRIGGER_LABELS, type AlertContent } from "./wording";

/**
 * An alert by e-mail: the same content as in Slack and Teams (the company, or a person where consent
 * allows; its facts; this visit's pages and source; a button to its page on the partner's dashboard),
 * in the partner's branded template, to one recipient, with the one-click unsubscribe of every mail
 * (sent by `sendAlertMail` in deliver.ts).
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
