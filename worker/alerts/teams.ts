import { OPEN_LABEL, TRIGGER_LABELS, type AlertContent } from "./wording";
import { clip } from "./slack";

/**
 * A Teams Workflows message: the "Send webhook alerts to a channel" workflow (Power Automate) posts
 * the Adaptive Card of each attachment. Workflows render Adaptive Cards only (no legacy MessageCard),
 * up to schema 1.4 in the "Post card in a chat or channel" action.
 */

/** Adaptive Card text is markdown: brackets would let a visitor's URL become a link in the channel. */
const plain = (text: string) => text.replace(/\[/g, "(").replace(/\]/g, ")");

export function teamsMessage(content: AlertContent) {
  const kind = content.test ? "Test of alert" : TRIGGER_LABELS[content.trigger];
  const pages = content.pages.join(" → ") + (content.morePages > 0 ? ` and ${content.morePages} more` : "");
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body: [
      {
        type: "TextBlock",
        text: plain(`${kind} · “${content.ruleName}” for ${content.organizationName}`),
        isSubtle: true,
        size: "Small",
        wrap: true,
      },
      { type: "TextBlock", text: plain(clip(content.title, 150)), size: "Large", weight: "Bolder", wrap: true },
      ...(content.domain ? [{ type: "TextBlock", text: plain(content.domain), isSubtle: true, spacing: "None" }] : []),
      {
        type: "FactSet",
        facts: [
          ...content.facts.map((fact) => ({ title: fact.label, value: plain(fact.value) })),
          { title: "Source", value: plain(content.source) },
        ],
      },
      { type: "TextBlock", text: "This visit", weight: "Bolder", wrap: true },
      { type: "TextBlock", text: plain(clip(pages || "—", 3000)), wrap: true, spacing: "Small" },
    ],
    actions: [{ type: "Action.OpenUrl", title: OPEN_LABEL, url: content.link }],
  };
  return {
    type: "message",
    attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }],
  };
}
