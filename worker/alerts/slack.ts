import { OPEN_LABEL, TRIGGER_LABELS, type AlertContent } from "./wording";

/**
 * A Slack incoming-webhook message: Block Kit with a `text` fallback (what notifications and
 * screen readers show). Every text is cut to Slack's documented limits: a header's text 150
 * characters; a section's text 3,000 and its fields at most 10 of 2,000; a context's elements at most
 * 10 of 2,000; a button's text 75 and its URL 3,000; at most 50 blocks in a message.
 */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 2000,
  buttonText: 75,
  buttonUrl: 3000,
  blocks: 50,
} as const;

/** Text at most `max` characters (code points), cut with an ellipsis. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/** mrkdwn treats these three as control characters; everything else a visitor sent stays plain text. */
const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
/** A path as inline code: never a link, a mention or formatting, whatever the visitor's URL held. */
const code = (text: string) => `\`${escape(text.replace(/`/g, "'"))}\``;

export function slackMessage(content: AlertContent) {
  const kind = content.test ? "Test of alert" : TRIGGER_LABELS[content.trigger];
  const about = `${kind} · “${content.ruleName}” for ${content.organizationName}`;
  const visit = content.pages.map(code).join(" → ") + (content.morePages > 0 ? ` and ${content.morePages} more` : "");
  const blocks = [
    { type: "header", text: { type: "plain_text", text: clip(content.title, SLACK_LIMITS.headerText), emoji: false } },
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: clip(escape([about, content.domain].filter(Boolean).join(" · ")), SLACK_LIMITS.contextText),
        },
      ],
    },
    {
      type: "section",
      fields: content.facts.slice(0, SLACK_LIMITS.fields).map((fact) => ({
        type: "mrkdwn",
        text: clip(`*${escape(fact.label)}*\n${escape(fact.value)}`, SLACK_LIMITS.fieldText),
      })),
    },
    {
      type: "section",
      text: { type: "mrkdwn", text: clip(`*This visit*\n${visit || "—"}`, SLACK_LIMITS.sectionText) },
    },
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: clip(`*Source:* ${escape(content.source)}`, SLACK_LIMITS.contextText) }],
    },
    {
      type: "actions",
      elements: [
        {
          type: "button",
          text: { type: "plain_text", text: OPEN_LABEL },
          url: content.link.slice(0, SLACK_LIMITS.buttonUrl),
          action_id: "open_visitor",
        },
      ],
    },
  ];
  const fallback = `${kind}: ${content.title}${content.domain ? ` (${content.domain})` : ""}${
    content.pages.length > 0 ? ` viewed ${content.pages.join(", ")}` : ""
  }`;
  return { text: clip(escape(fallback), SLACK_LIMITS.sectionText), blocks };
}
