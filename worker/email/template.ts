import { brandColors } from "../insights/brand/colors";

/**
 * Every mail's layout, in the partner's brand: its name or logo on its colour, the content, why the
 * recipient gets it, the partner's support address and the unsubscribe link. Never the platform's
 * name. The HTML is a single 600 px column that narrows to the screen (375 px phones), styled
 * inline (mail clients drop style sheets), with `lang`, alt text and AA contrast.
 */

/** What a mail wears: the partner's `Brand` (worker/insights/brand/queries.ts) has all of it. */
export interface MailBrand {
  name: string;
  logoUrl: string | null;
  primaryColor: string | null;
  secondaryColor: string | null;
  supportEmail: string | null;
}

export interface EmailAction {
  label: string;
  url: string;
}

export interface EmailFact {
  label: string;
  value: string;
}

export interface EmailItem {
  title: string;
  url?: string;
  detail?: string;
}

/** A block of the body: an optional title, then any of paragraphs, label/value facts and a list. */
export interface EmailSection {
  title?: string;
  paragraphs?: string[];
  facts?: EmailFact[];
  items?: EmailItem[];
}

export interface EmailContent {
  subject: string;
  /** The preview text clients show beside the subject; defaults to the first paragraph. */
  preheader?: string;
  heading: string;
  paragraphs?: string[];
  sections?: EmailSection[];
  /** The mail's one button. */
  action?: EmailAction;
  /** Why the recipient gets this mail ("You get this because …"), shown in the footer. */
  reason?: string;
  /** Set per recipient when the mail is sent (`sendMail`); a preview without it shows no link. */
  unsubscribeUrl?: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INK = "#1f2937";
const MUTED = "#4b5563";

const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Only web links become links; anything else is shown as text. */
const isWebUrl = (url: string) => /^https?:\/\//i.test(url);

function link(url: string, label: string, color: string) {
  if (!isWebUrl(url)) return escape(label);
  return `<a href="${escape(url)}" style="color:${color};text-decoration:underline;">${escape(label)}</a>`;
}

export function renderEmail(brand: MailBrand, content: EmailContent): RenderedEmail {
  return { subject: content.subject, text: renderText(brand, content), html: renderHtml(brand, content) };
}

const reasonOf = (brand: MailBrand, content: EmailContent) =>
  content.reason ?? `You get this e-mail from ${brand.name}.`;

function renderText(brand: MailBrand, content: EmailContent): string {
  const blocks: string[] = [brand.name, content.heading, ...(content.paragraphs ?? [])];
  for (const section of content.sections ?? []) {
    const lines: string[] = [];
    if (section.title) lines.push(section.title.toUpperCase());
    for (const paragraph of section.paragraphs ?? []) lines.push(paragraph);
    for (const fact of section.facts ?? []) lines.push(`${fact.label}: ${fact.value}`);
    for (const item of section.items ?? []) {
      lines.push(`- ${item.title}${item.detail ? ` (${item.detail})` : ""}${item.url ? `\n  ${item.url}` : ""}`);
    }
    blocks.push(lines.join("\n"));
  }
  if (content.action) blocks.push(`${content.action.label}:\n${content.action.url}`);
  const footer = [reasonOf(brand, content)];
  if (brand.supportEmail) footer.push(`Questions? ${brand.supportEmail}`);
  if (content.unsubscribeUrl) footer.push(`Unsubscribe: ${content.unsubscribeUrl}`);
  blocks.push(`--\n${footer.join("\n")}`);
  return `${blocks.join("\n\n")}\n`;
}

function renderHtml(brand: MailBrand, content: EmailContent): string {
  const colors = brandColors(brand);
  const paragraph = (text: string) => `<p style="margin:0 0 16px;">${escape(text)}</p>`;
  const header = brand.logoUrl
    ? `<img src="${escape(brand.logoUrl)}" alt="${escape(brand.name)}" height="32" style="display:block;height:32px;max-width:240px;border:0;">`
    : `<span style="font-size:18px;font-weight:700;">${escape(brand.name)}</span>`;
  const sections = (content.sections ?? []).map((section) => {
    const parts: string[] = [];
    if (section.title) {
      parts.push(
        `<h2 style="margin:24px 0 8px;font-size:17px;line-height:1.3;color:${INK};">${escape(section.title)}</h2>`,
      );
    }
    parts.push(...(section.paragraphs ?? []).map(paragraph));
    if (section.facts?.length) {
      const rows = section.facts
        .map(
          (fact) =>
            `<tr><th scope="row" align="left" style="padding:4px 12px 4px 0;font-weight:600;color:${MUTED};vertical-align:top;">${escape(fact.label)}</th>` +
            `<td style="padding:4px 0;color:${INK};">${escape(fact.value)}</td></tr>`,
        )
        .join("");
      parts.push(`<table cellpadding="0" cellspacing="0" style="margin:0 0 16px;font-size:15px;">${rows}</table>`);
    }
    if (section.items?.length) {
      const items = section.items
        .map(
          (item) =>
            `<li style="margin:0 0 8px;">${item.url ? link(item.url, item.title, colors.brandInk) : escape(item.title)}` +
            `${item.detail ? `<br><span style="color:${MUTED};font-size:14px;">${escape(item.detail)}</span>` : ""}</li>`,
        )
        .join("");
      parts.push(`<ul style="margin:0 0 16px;padding:0 0 0 20px;">${items}</ul>`);
    }
    return parts.join("");
  });
  const action =
    content.action && isWebUrl(content.action.url)
      ? `<table role="presentation" cellpadding="0" cellspacing="0" style="margin:8px 0 16px;"><tr>` +
        `<td style="background:${colors.brand};border-radius:6px;">` +
        `<a href="${escape(content.action.url)}" style="display:inline-block;padding:12px 20px;font-weight:600;color:${colors.onBrand};text-decoration:none;">${escape(content.action.label)}</a>` +
        `</td></tr></table>`
      : "";
  const footer = [escape(reasonOf(brand, content))];
  if (brand.supportEmail) {
    footer.push(`Questions? ${link(`mailto:${brand.supportEmail}`, brand.supportEmail, MUTED)}`);
  }
  const unsubscribe = content.unsubscribeUrl
    ? `<br><a href="${escape(content.unsubscribeUrl)}" style="color:${MUTED};text-decoration:underline;">Unsubscribe</a>`
    : "";
  const preheader = content.preheader ?? content.paragraphs?.[0] ?? "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escape(content.subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6;">
<div style="display:none;max-height:0;overflow:hidden;" aria-hidden="true">${escape(preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px;font-family:${FONT};">
<tr><td style="background:${colors.brand};color:${colors.onBrand};padding:20px 24px;border-radius:8px 8px 0 0;">${header}</td></tr>
<tr><td style="padding:24px;color:${INK};font-size:16px;line-height:1.5;overflow-wrap:anywhere;word-break:break-word;">
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:#111827;">${escape(content.heading)}</h1>
${(content.paragraphs ?? []).map(paragraph).join("\n")}
${sections.join("\n")}
${action}
</td></tr>
<tr><td style="padding:16px 24px 24px;border-top:1px solid #e5e7eb;color:${MUTED};font-size:13px;line-height:1.5;">${footer.join("<br>")}${unsubscribe}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}
