import { describe, expect, it } from "vitest";
import type { AlertContent } from "../../worker/alerts/wording";
import { SLACK_LIMITS, slackMessage } from "../../worker/alerts/slack";
import { teamsMessage } from "../../worker/alerts/teams";
import { matchesSegment, type SegmentFacts } from "../../worker/alerts/segment-match";

/** Alert messages as Slack and Teams receive them, and the in-memory segment predicate alerts use. */

const content = (overrides: Partial<AlertContent> = {}): AlertContent => ({
  test: false,
  partnerId: "prt_1",
  organizationId: "org_1",
  ruleName: "Pricing",
  trigger: "page_viewed",
  organizationName: "Acme Widgets",
  title: "Harborline Logistics",
  domain: "harborline.example",
  facts: [
    { label: "Industry", value: "Software" },
    { label: "Visits", value: "2" },
  ],
  pages: ["/pricing"],
  morePages: 0,
  source: "Direct",
  link: "https://dash.example/app/o/org_1/companies/vis_abcdefghijk",
  ...overrides,
});

describe("Slack messages", () => {
  it("stay within Block Kit's limits whatever the company, its facts and its pages hold", () => {
    const long = (n: number) => "x".repeat(n);
    const message = slackMessage(
      content({
        title: `🚀${long(400)}`,
        ruleName: long(3000),
        facts: Array.from({ length: 14 }, (_, i) => ({ label: `Fact ${i}`, value: long(2500) })),
        pages: Array.from({ length: 10 }, (_, i) => `/${i}${long(600)}`),
        morePages: 40,
        source: long(5000),
        link: `https://dash.example/${long(4000)}`,
      }),
    );
    const [header, context, section, visit, source, actions] = message.blocks as any[];
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(Array.from(header.text.text as string)).toHaveLength(SLACK_LIMITS.headerText);
    expect((header.text.text as string).endsWith("…")).toBe(true);
    expect(context.elements[0].text.length).toBeLessThanOrEqual(SLACK_LIMITS.contextText);
    expect(section.fields).toHaveLength(SLACK_LIMITS.fields);
    for (const field of section.fields) expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    expect(visit.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(source.elements[0].text.length).toBeLessThanOrEqual(SLACK_LIMITS.contextText);
    expect(Array.from(actions.elements[0].text.text as string).length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
    expect(actions.elements[0].url.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonUrl);
  });

  it("show what a visitor's URL held as text: no link, mention or formatting gets through", () => {
    const message = slackMessage(
      content({ pages: ["/x<!channel>", "/go?to=<https://evil.example|Click me>&a=1", "/`code`"] }),
    );
    const visit = (message.blocks[3] as { text: { text: string } }).text.text;
    expect(visit).toBe(
      "*This visit*\n`/x&lt;!channel&gt;` → `/go?to=&lt;https://evil.example|Click me&gt;&amp;a=1` → `/'code'`",
    );
    expect(message.text).not.toContain("<");
  });
});

describe("Teams messages", () => {
  it("wrap an Adaptive Card 1.4 in a Workflows message, with markdown links from visitors' URLs defused", () => {
    const message = teamsMessage(content({ pages: ["/[Click me](https://evil.example)"] }));
    expect(message.type).toBe("message");
    const card = message.attachments[0]!.content;
    expect(card).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(JSON.stringify(card)).not.toContain("[Click me]");
    expect(JSON.stringify(card.body)).toContain("/(Click me)(https://evil.example)");
    expect(card.actions).toEqual([{ type: "Action.OpenUrl", title: "Open in dashboard", url: content().link }]);
  });
});

describe("matchesSegment", () => {
  const facts: SegmentFacts = {
    name: "Harborline Logistics",
    domain: "harborline-logistics.example",
    industry: "Transportation & Logistics",
    employeeRange: "1001-5000",
    country: "US",
    icpMatched: true,
    icpScore: 80,
    paths: ["/", "/pricing/teams"],
  };

  it.each([
    [{}, true],
    [{ search: "harbor log" }, true],
    [{ search: "arbor" }, false],
    [{ industries: ["transportation & logistics"] }, true],
    [{ industries: ["Software"] }, false],
    [{ employeeRanges: ["1001-5000", "5001-10000"] }, true],
    [{ employeeRanges: ["51-200"] }, false],
    [{ countries: ["DE", "US"] }, true],
    [{ countries: ["DE"] }, false],
    [{ icpMatched: true, minScore: 80 }, true],
    [{ icpMatched: false }, false],
    [{ minScore: 81 }, false],
    [{ pages: ["/pricing*"] }, true],
    [{ pages: ["/pricing"] }, false],
    [{ search: "harborline", countries: ["US"], pages: ["/blog*"] }, false],
  ] as const)("%j → %s", (filter, expected) => {
    expect(matchesSegment(filter as never, facts)).toBe(expected);
  });
});
