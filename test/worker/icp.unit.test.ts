import { describe, expect, it } from "vitest";
import {
  conditionHolds,
  evaluateIcp,
  parseEmployeeRange,
  type EvaluableConfig,
  type VisitorFacts,
} from "../../worker/icp/evaluate";
import { IcpConditionSchema, IcpGroupsSchema, type IcpCondition, type IcpGroup } from "../../worker/icp/schemas";

const NOW = Date.parse("2026-11-23T12:00:00Z");

const facts = (overrides: Partial<VisitorFacts> = {}): VisitorFacts => ({
  utmSource: "LinkedIn",
  utmMedium: "cpc",
  utmCampaign: "q4-launch",
  utmTerm: "visitor identification",
  utmContent: "banner-a",
  industry: "Software",
  employeeRange: "51-200",
  country: "US",
  region: "California",
  city: "San Francisco",
  domain: "acme.com",
  jobTitle: "VP of Marketing",
  linkedinUrl: "https://www.linkedin.com/company/acme/",
  pageViews: 7,
  sessions: 3,
  lastSeenAt: "2026-11-20T09:00:00Z", // 3 days before NOW
  paths: ["/", "/pricing", "/docs/getting-started/"],
  ...overrides,
});

const cond = (
  type: IcpCondition["type"],
  comparator: IcpCondition["comparator"],
  value: IcpCondition["value"],
  optional = false,
): IcpCondition => ({
  type,
  comparator,
  value,
  optional,
});
const holds = (c: IcpCondition, f: VisitorFacts = facts()) => conditionHolds(c, f, NOW);

const config = (id: string, groups: IcpGroup[], overrides: Partial<EvaluableConfig> = {}): EvaluableConfig => ({
  id,
  name: `Config ${id}`,
  priority: 100,
  enabled: true,
  createdAt: "2026-11-01T00:00:00Z",
  groups,
  ...overrides,
});

describe("ICP conditions", () => {
  it("compares UTM tags of the first touch, ignoring case", () => {
    expect(holds(cond("utm_source", "eq", "linkedin"))).toBe(true);
    expect(holds(cond("utm_medium", "neq", "email"))).toBe(true);
    expect(holds(cond("utm_campaign", "starts_with", "Q4"))).toBe(true);
    expect(holds(cond("utm_term", "contains", "identification"))).toBe(true);
    expect(holds(cond("utm_content", "in", ["banner-a", "banner-b"]))).toBe(true);
    expect(holds(cond("utm_content", "not_in", ["banner-a"]))).toBe(false);
  });

  it("never lets a value the visitor lacks satisfy a condition, not even a negative one", () => {
    const unknown = facts({ utmSource: null, industry: null, employeeRange: null });
    expect(holds(cond("utm_source", "eq", "google"), unknown)).toBe(false);
    expect(holds(cond("utm_source", "neq", "google"), unknown)).toBe(false);
    expect(holds(cond("industry", "not_in", ["Retail"]), unknown)).toBe(false);
    expect(holds(cond("company_size", "lt", 1000), unknown)).toBe(false);
  });

  it("compares firmographics: industry, employee size range, location, domain", () => {
    expect(holds(cond("industry", "eq", "software"))).toBe(true);
    expect(holds(cond("industry", "in", ["Retail", "Software"]))).toBe(true);
    expect(holds(cond("employee_size_range", "eq", "51-200"))).toBe(true);
    expect(holds(cond("employee_size_range", "in", ["1-10", "11-50"]))).toBe(false);
    expect(holds(cond("country", "eq", "us"))).toBe(true);
    expect(holds(cond("region", "neq", "Texas"))).toBe(true);
    expect(holds(cond("city", "starts_with", "San"))).toBe(true);
    expect(holds(cond("domain", "eq", "https://www.ACME.com/"))).toBe(true);
    expect(holds(cond("domain", "contains", "acme"))).toBe(true);
  });

  it("compares the person's job title and the LinkedIn URL without decoration", () => {
    expect(holds(cond("job_title", "contains", "marketing"))).toBe(true);
    expect(holds(cond("job_title", "not_in", ["CEO", "CTO"]))).toBe(true);
    expect(holds(cond("linkedin_url", "eq", "linkedin.com/company/acme"))).toBe(true);
    expect(holds(cond("linkedin_url", "starts_with", "https://linkedin.com/company/"))).toBe(true);
  });

  it("compares counts with every numeric comparator", () => {
    expect(holds(cond("page_view_count", "eq", 7))).toBe(true);
    expect(holds(cond("page_view_count", "neq", 7))).toBe(false);
    expect(holds(cond("page_view_count", "gt", 6))).toBe(true);
    expect(holds(cond("page_view_count", "gt", 7))).toBe(false);
    expect(holds(cond("page_view_count", "gte", 7))).toBe(true);
    expect(holds(cond("session_count", "lt", 3))).toBe(false);
    expect(holds(cond("session_count", "lte", 3))).toBe(true);
    expect(holds(cond("session_count", "in", [1, 3]))).toBe(true);
    expect(holds(cond("session_count", "not_in", [1, 3]))).toBe(false);
  });

  it("counts last_seen_days as whole days since the visitor was last seen", () => {
    expect(holds(cond("last_seen_days", "eq", 3))).toBe(true);
    expect(holds(cond("last_seen_days", "lte", 7))).toBe(true);
    expect(holds(cond("last_seen_days", "lt", 3))).toBe(false);
    expect(holds(cond("last_seen_days", "eq", 0), facts({ lastSeenAt: "2026-11-23T11:00:00Z" }))).toBe(true);
  });

  it("reads company_size from the employee range, which passes only as a whole", () => {
    expect(parseEmployeeRange("51-200")).toEqual([51, 200]);
    expect(parseEmployeeRange("1,001-5,000")).toEqual([1001, 5000]);
    expect(parseEmployeeRange("10001+")).toEqual([10001, Infinity]);
    expect(parseEmployeeRange("unknown")).toBeNull();
    expect(holds(cond("company_size", "gte", 50))).toBe(true);
    expect(holds(cond("company_size", "gte", 100))).toBe(false);
    expect(holds(cond("company_size", "gt", 50))).toBe(true);
    expect(holds(cond("company_size", "lte", 200))).toBe(true);
    expect(holds(cond("company_size", "lt", 200))).toBe(false);
    expect(holds(cond("company_size", "eq", 100))).toBe(true);
    expect(holds(cond("company_size", "neq", 100))).toBe(false);
    expect(holds(cond("company_size", "in", [10, 150]))).toBe(true);
    expect(holds(cond("company_size", "not_in", [10, 500]))).toBe(true);
    expect(holds(cond("company_size", "gt", 5000), facts({ employeeRange: "10001+" }))).toBe(true);
  });

  it("matches pages: any viewed page for eq/in, none for neq/not_in", () => {
    expect(holds(cond("page_equals", "eq", "/pricing/"))).toBe(true);
    expect(holds(cond("page_equals", "eq", "https://client.example/docs/getting-started"))).toBe(true);
    expect(holds(cond("page_equals", "eq", "/price"))).toBe(false);
    expect(holds(cond("page_equals", "in", ["/careers", "/pricing"]))).toBe(true);
    expect(holds(cond("page_equals", "neq", "/careers"))).toBe(true);
    expect(holds(cond("page_equals", "not_in", ["/careers", "/pricing"]))).toBe(false);
    expect(holds(cond("page_contains", "eq", "PRIC"))).toBe(true);
    expect(holds(cond("page_contains", "in", ["careers", "docs"]))).toBe(true);
    expect(holds(cond("page_contains", "neq", "careers"))).toBe(true);
    expect(holds(cond("page_contains", "not_in", ["careers", "docs"]))).toBe(false);
    expect(holds(cond("page_contains", "neq", "careers"), facts({ paths: [] }))).toBe(true);
  });
});

describe("ICP condition validation", () => {
  const problems = (input: unknown) => {
    const result = IcpConditionSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("takes arrays for in/not_in and a single value otherwise", () => {
    expect(problems({ type: "industry", comparator: "in", value: ["Software"] })).toEqual([]);
    expect(problems({ type: "industry", comparator: "in", value: "Software" })[0]).toMatch(
      /^value: 'in' takes an array/,
    );
    expect(problems({ type: "industry", comparator: "eq", value: ["Software"] })[0]).toMatch(
      /^value: 'eq' takes a non-empty string/,
    );
    expect(problems({ type: "industry", comparator: "not_in", value: [] })[0]).toMatch(/^value:/);
  });

  it("takes numbers for numeric types and refuses comparators a type has no use for", () => {
    expect(problems({ type: "page_view_count", comparator: "gte", value: 3 })).toEqual([]);
    expect(problems({ type: "page_view_count", comparator: "gte", value: "3" })[0]).toMatch(
      /^value: 'gte' takes a number/,
    );
    expect(problems({ type: "session_count", comparator: "in", value: [1, "2"] })[0]).toMatch(/^value:/);
    expect(problems({ type: "industry", comparator: "gt", value: 3 })[0]).toMatch(/^comparator: 'industry' accepts/);
    expect(problems({ type: "page_contains", comparator: "starts_with", value: "/a" })[0]).toMatch(/^comparator:/);
    expect(problems({ type: "favorite_color", comparator: "eq", value: "red" })[0]).toMatch(/^type:/);
  });

  it("needs at least one group, each with a condition that is not optional", () => {
    expect(IcpGroupsSchema.safeParse([]).success).toBe(false);
    const onlyOptional = [
      { operator: "AND", conditions: [{ type: "industry", comparator: "eq", value: "x", optional: true }] },
    ];
    expect(IcpGroupsSchema.safeParse(onlyOptional).success).toBe(false);
    const parsed = IcpGroupsSchema.parse([
      { operator: "OR", conditions: [{ type: "industry", comparator: "eq", value: "x" }] },
    ]);
    expect(parsed[0]!.conditions[0]!.optional).toBe(false);
  });
});

describe("ICP evaluation", () => {
  const software = cond("industry", "eq", "Software");
  const retail = cond("industry", "eq", "Retail");
  const us = cond("country", "eq", "US");
  const pricing = cond("page_equals", "eq", "/pricing");
  const careers = cond("page_equals", "eq", "/careers");

  it("matches an AND group only when every required condition holds", () => {
    expect(evaluateIcp([config("a", [{ operator: "AND", conditions: [software, us] }])], facts(), NOW)).toEqual({
      matched: true,
      score: 100,
      configId: "a",
      configName: "Config a",
    });
    expect(
      evaluateIcp([config("a", [{ operator: "AND", conditions: [software, retail] }])], facts(), NOW).matched,
    ).toBe(false);
  });

  it("matches an OR group when one required condition holds, scoring the share met", () => {
    const result = evaluateIcp(
      [config("a", [{ operator: "OR", conditions: [retail, software, careers, cond("country", "eq", "DE")] }])],
      facts(),
      NOW,
    );
    expect(result).toMatchObject({ matched: true, score: 25 });
    expect(evaluateIcp([config("a", [{ operator: "OR", conditions: [retail, careers] }])], facts(), NOW).matched).toBe(
      false,
    );
  });

  it("never excludes on an optional condition, but counts it in the score", () => {
    const optionalMiss = { ...careers, optional: true };
    const optionalHit = { ...pricing, optional: true };
    const missed = evaluateIcp(
      [config("a", [{ operator: "AND", conditions: [software, optionalMiss] }])],
      facts(),
      NOW,
    );
    expect(missed).toMatchObject({ matched: true, score: 50 });
    const met = evaluateIcp(
      [config("a", [{ operator: "AND", conditions: [software, us, optionalHit, optionalMiss] }])],
      facts(),
      NOW,
    );
    expect(met).toMatchObject({ matched: true, score: 75 });
    // An optional condition that holds does not make a failing group match.
    expect(
      evaluateIcp([config("a", [{ operator: "AND", conditions: [retail, optionalHit] }])], facts(), NOW).matched,
    ).toBe(false);
  });

  it("matches a config when any group matches, scoring by its best matching group", () => {
    const result = evaluateIcp(
      [
        config("a", [
          { operator: "AND", conditions: [retail, us] },
          { operator: "AND", conditions: [software, { ...careers, optional: true }] },
          { operator: "AND", conditions: [us, pricing, { ...software, optional: true }] },
        ]),
      ],
      facts(),
      NOW,
    );
    expect(result).toMatchObject({ matched: true, score: 100, configId: "a" });
  });

  it("evaluates enabled configs by priority, lower number first, the older one first on ties", () => {
    const group = [{ operator: "AND" as const, conditions: [software] }];
    const configs = [
      config("late", group, { priority: 20 }),
      config("disabled", group, { priority: 1, enabled: false }),
      config("newer", group, { priority: 10, createdAt: "2026-11-02T00:00:00Z" }),
      config("older", group, { priority: 10, createdAt: "2026-11-01T00:00:00Z" }),
    ];
    expect(evaluateIcp(configs, facts(), NOW).configId).toBe("older");
    // The first matching config wins even when a later one would score higher.
    const first = config("first", [{ operator: "AND", conditions: [software, { ...careers, optional: true }] }], {
      priority: 1,
    });
    expect(evaluateIcp([config("second", group, { priority: 2 }), first], facts(), NOW)).toMatchObject({
      configId: "first",
      score: 50,
    });
  });

  it("gives an unmatched visitor score 0 and no config", () => {
    expect(evaluateIcp([config("a", [{ operator: "AND", conditions: [retail] }])], facts(), NOW)).toEqual({
      matched: false,
      score: 0,
      configId: null,
      configName: null,
    });
    expect(evaluateIcp([], facts(), NOW).matched).toBe(false);
  });
});
