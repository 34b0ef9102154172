import type { AlertTrigger } from "../../shared/alerts";
import type { ConsentMode } from "../../shared/hit";

/**
 * What an alert says, whatever the channel: the company (or person), its firmographics and ICP fit,
 * this visit's pages and source, and a link to its page on the partner's dashboard. content.ts reads
 * it when the message is sent; slack.ts, teams.ts and email.ts format it. Nothing here reads storage.
 */
export interface AlertContent {
  test: boolean;
  /** Whose alert: e-mail goes out in this partner's brand, about this organization. */
  partnerId: string;
  organizationId: string;
  ruleName: string;
  trigger: AlertTrigger;
  organizationName: string;
  /** The company's name; a person's name where consent allows it. */
  title: string;
  domain: string | null;
  /** Labelled facts in display order: industry, size, country, ICP score, visits (a person's own where allowed). */
  facts: { label: string; value: string }[];
  /** This visit's pages in the order viewed (at most `PAGES_SHOWN`), and how many more there were. */
  pages: string[];
  morePages: number;
  /** Where the visit came from: UTM source / medium / campaign, else the referrer's host, else "Direct". */
  source: string;
  /** The visitor's page on the partner's dashboard. */
  link: string;
}

export const PAGES_SHOWN = 10;

/**
 * Person fields leave the platform only where the visitor's personal consent was asked by the script:
 * in modes `personal` and `all` an email hash is only ever sent after it. In mode `off` the site vouches
 * for consent by loading the script after its own banner; Sightline never saw it, so a message names
 * no person there (the signed-in dashboard does).
 */
export const personFieldsAllowed = (mode: ConsentMode) => mode !== "off";

/** The button that opens the visitor's page on the dashboard. */
export const OPEN_LABEL = "Open in dashboard";

export const TRIGGER_LABELS: Record<AlertTrigger, string> = {
  identified: "New visitor identified",
  returned: "Returning visitor",
  page_viewed: "Key page viewed",
};
