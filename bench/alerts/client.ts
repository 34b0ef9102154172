/**
 * The alerts of a client as a real one sets them up, through the partner API: an ICP ("Software in the
 * US"), four saved segments and ten enabled rules mixing the three triggers, segments, page patterns,
 * cooldowns and the three kinds of channel. Slack and Teams post to a receiver on 127.0.0.1
 * (bench/alerts/receiver.ts), one path per rule, so a request says which rule sent it.
 */
import type { SeededOrganization } from "../../test/browser/support/worker.ts";

/** The ICP of both organizations of a comparison (scoring costs the same on either side). */
export const ICP_CONFIG = {
  name: "Software in the US",
  groups: [
    {
      operator: "AND",
      conditions: [
        { type: "industry", comparator: "eq", value: "Software" },
        { type: "country", comparator: "eq", value: "US" },
        { type: "page_contains", comparator: "eq", value: "pricing", optional: true },
      ],
    },
  ],
};

const SEGMENTS = {
  icp: { icpMatched: true },
  midMarketSoftware: { industries: ["Software"], employeeRanges: ["51-200", "201-500", "1001-5000"] },
  usAndUk: { countries: ["US", "GB"] },
  pricingViewers: { pages: ["/pricing*"] },
} as const;

type Segment = keyof typeof SEGMENTS;
type Channel = "slack" | "teams" | "email";

interface RuleSpec {
  name: string;
  trigger: "identified" | "returned" | "page_viewed";
  segment?: Segment;
  pages?: string[];
  returnAfterDays?: number;
  cooldownHours: number;
  channels: Channel[];
}

/** The ten rules; the first (every new company, to Slack) is the one whose latency the bench times. */
export const RULES: RuleSpec[] = [
  { name: "New company on the site", trigger: "identified", cooldownHours: 24, channels: ["slack"] },
  { name: "New ICP account", trigger: "identified", segment: "icp", cooldownHours: 24, channels: ["slack", "email"] },
  {
    name: "Mid-market software company",
    trigger: "identified",
    segment: "midMarketSoftware",
    cooldownHours: 24,
    channels: ["teams"],
  },
  { name: "Pricing page", trigger: "page_viewed", pages: ["/pricing*"], cooldownHours: 24, channels: ["slack"] },
  {
    name: "Demo or contact page",
    trigger: "page_viewed",
    pages: ["/demo*", "/contact*"],
    cooldownHours: 24,
    channels: ["slack", "email"],
  },
  {
    name: "ICP account on pricing",
    trigger: "page_viewed",
    pages: ["/pricing*"],
    segment: "icp",
    cooldownHours: 12,
    channels: ["teams"],
  },
  {
    name: "Comparing us with a competitor",
    trigger: "page_viewed",
    pages: ["/compare/*"],
    segment: "usAndUk",
    cooldownHours: 72,
    channels: ["slack"],
  },
  { name: "Back after a week", trigger: "returned", returnAfterDays: 7, cooldownHours: 168, channels: ["slack"] },
  {
    name: "ICP account back after a month",
    trigger: "returned",
    returnAfterDays: 30,
    segment: "icp",
    cooldownHours: 168,
    channels: ["email"],
  },
  {
    name: "Integrations interest from pricing viewers",
    trigger: "page_viewed",
    pages: ["/integrations/*", "/docs/api*"],
    segment: "pricingViewers",
    cooldownHours: 24,
    channels: ["slack"],
  },
];

/** The path of the receiver a rule's Slack or Teams channel posts to. */
export const rulePath = (index: number) => `/hooks/rule-${index + 1}`;

const base = (org: SeededOrganization) => `/api/v1/partner/organizations/${org.organizationId}`;

/** The ICP config both organizations of a comparison have. */
export async function addIcp(org: SeededOrganization): Promise<void> {
  await org.api("POST", `${base(org)}/icp-configs`, ICP_CONFIG);
}

/** The segments and the ten rules, on an organization; `receiver` is the origin Slack and Teams post to. */
export async function addAlertRules(org: SeededOrganization, receiver: string): Promise<string[]> {
  const segments = new Map<Segment, string>();
  for (const [name, filter] of Object.entries(SEGMENTS) as [Segment, object][]) {
    const { segment } = await org.api<{ segment: { id: string } }>("POST", `${base(org)}/segments`, { name, filter });
    segments.set(name, segment.id);
  }
  const ids: string[] = [];
  for (const [index, rule] of RULES.entries()) {
    const channels = rule.channels.map((type) =>
      type === "email"
        ? { type, recipients: ["sales@client.example", "founders@client.example"] }
        : { type, webhookUrl: `${receiver}${rulePath(index)}` },
    );
    const { alert } = await org.api<{ alert: { id: string } }>("POST", `${base(org)}/alerts`, {
      name: rule.name,
      trigger: rule.trigger,
      ...(rule.segment ? { segmentId: segments.get(rule.segment) } : {}),
      ...(rule.pages ? { pages: rule.pages } : {}),
      ...(rule.returnAfterDays ? { returnAfterDays: rule.returnAfterDays } : {}),
      cooldownHours: rule.cooldownHours,
      channels,
      enabled: true,
    });
    ids.push(alert.id);
  }
  return ids;
}
