import type { ProductType } from "../../shared/billing";
import type { DigestFrequency } from "../../shared/digests";
import type { EmailContent, EmailSection } from "../email/template";

/**
 * A digest as a mail, in the partner's branded template (worker/email/template.ts): what was new and
 * what came back in the period, the pages viewed most, the credits left, and a button to the
 * organization's companies on the dashboard. The same content makes the preview. What it says is
 * read by content.ts; nothing here reads storage.
 */

export interface DigestEntry {
  title: string;
  /** Industry, size, country, ICP score, visits; a person's own fields only where consent allows. */
  detail: string;
  link: string;
}

export interface DigestList {
  entries: DigestEntry[];
  /** How many there are in all (counted up to 10,000). */
  total: number;
}

export interface DigestData {
  partnerId: string;
  organizationId: string;
  organizationName: string;
  productType: ProductType;
  /** Unix seconds, [start, end). */
  period: { start: number; end: number };
  segment: { id: string; name: string } | null;
  newVisitors: DigestList;
  returning: DigestList;
  topPages: { path: string; views: number }[];
  credits: { available: number; allocation: number; periodEnd: string };
  /** The organization on the partner's dashboard (`…/o/{organizationId}`). */
  dashboard: string;
}

const count = (n: number) => n.toLocaleString("en-US");
/** "2026-03-05 07:00". */
const minute = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().slice(0, 16).replace("T", " ");
const possessive = (name: string) => (name.endsWith("s") ? `${name}'` : `${name}'s`);

export function digestMail(
  data: DigestData,
  frequency: DigestFrequency,
  options: { test?: boolean } = {},
): EmailContent {
  const people = data.productType === "B2C";
  const noun = (n: number) => (people ? (n === 1 ? "person" : "people") : n === 1 ? "company" : "companies");
  const org = data.organizationName;
  const fresh = data.newVisitors.total;
  const back = data.returning.total;
  const summary =
    fresh > 0 && back > 0
      ? `${count(fresh)} new ${noun(fresh)}, ${count(back)} returning`
      : fresh > 0
        ? `${count(fresh)} new ${noun(fresh)}`
        : back > 0
          ? `${count(back)} returning ${noun(back)}`
          : `no new ${noun(2)}`;
  const when = frequency === "daily" ? "" : " this week";
  const period = `From ${minute(data.period.start)} to ${minute(data.period.end)} UTC`;
  const paragraphs =
    fresh + back === 0
      ? [
          `${period}, no ${noun(1)} was identified on ${possessive(org)} website for the first time, and none came back. A digest of such a period is not sent.`,
        ]
      : [
          `${period}, ${count(fresh)} ${noun(fresh)} ${fresh === 1 ? "was" : "were"} identified on ${possessive(org)} website for the first time and ${count(back)} came back.`,
        ];
  if (data.segment) paragraphs.push(`Only visitors in the saved view “${data.segment.name}”.`);

  const sections: EmailSection[] = [
    ...listSection(`New ${noun(2)}`, data.newVisitors),
    ...listSection(`Returning ${noun(2)}`, data.returning),
  ];
  if (data.topPages.length > 0) {
    sections.push({
      title: "Top pages",
      items: data.topPages.map((page) => ({
        title: page.path,
        detail: page.views === 1 ? "1 view" : `${count(page.views)} views`,
      })),
    });
  }
  sections.push({
    facts: [
      {
        label: "Credits left",
        value: `${count(data.credits.available)} of ${count(data.credits.allocation)} until ${data.credits.periodEnd.slice(0, 10)}`,
      },
    ],
  });
  const kind = frequency === "daily" ? "daily" : "weekly";
  return {
    subject: `${options.test ? "Test: " : ""}${org}${when}: ${summary}`,
    preheader: paragraphs[0],
    heading: `Your ${kind} digest for ${org}`,
    paragraphs,
    sections,
    action: { label: "Open the dashboard", url: `${data.dashboard}/companies` },
    reason: options.test
      ? `You get this test of the ${kind} digest because someone sent it to this address.`
      : `You get this ${kind} digest as a recipient of ${possessive(org)} digests.`,
  };
}

function listSection(title: string, list: DigestList): EmailSection[] {
  if (list.total === 0) return [];
  const more = list.total - list.entries.length;
  return [
    {
      title: `${title} (${count(list.total)})`,
      items: list.entries.map((entry) => ({ title: entry.title, url: entry.link, detail: entry.detail })),
    },
    ...(more > 0 ? [{ paragraphs: [`and ${count(more)} more on the dashboard`] }] : []),
  ];
}
