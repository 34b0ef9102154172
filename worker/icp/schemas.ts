import { z } from "@hono/zod-openapi";
import { Timestamp } from "../http/schemas";

/** Condition types (docs/partner-api.md#icp), by the kind of value they compare. */
export const STRING_TYPES = [
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_term",
  "utm_content",
  "industry",
  "employee_size_range",
  "country",
  "region",
  "city",
  "domain",
  "job_title",
  "linkedin_url",
] as const;
export const NUMBER_TYPES = ["page_view_count", "session_count", "last_seen_days", "company_size"] as const;
export const PAGE_TYPES = ["page_contains", "page_equals"] as const;
export const CONDITION_TYPES = [...STRING_TYPES, ...NUMBER_TYPES, ...PAGE_TYPES] as const;
export const COMPARATORS = ["eq", "neq", "in", "not_in", "contains", "starts_with", "gt", "gte", "lt", "lte"] as const;

export type ConditionType = (typeof CONDITION_TYPES)[number];
export type Comparator = (typeof COMPARATORS)[number];

/** Comparators each kind of type accepts; anything else is a 400. */
const ALLOWED: Record<"string" | "number" | "page", readonly Comparator[]> = {
  string: ["eq", "neq", "in", "not_in", "contains", "starts_with"],
  number: ["eq", "neq", "in", "not_in", "gt", "gte", "lt", "lte"],
  page: ["eq", "neq", "in", "not_in"],
};

export function kindOf(type: ConditionType): "string" | "number" | "page" {
  if ((STRING_TYPES as readonly string[]).includes(type)) return "string";
  if ((NUMBER_TYPES as readonly string[]).includes(type)) return "number";
  return "page";
}

export const isListComparator = (c: Comparator) => c === "in" || c === "not_in";

/** Limits that keep one evaluation cheap (documented in docs/icp.md). */
export const MAX_GROUPS = 10;
export const MAX_CONDITIONS_PER_GROUP = 25;
export const MAX_LIST_VALUES = 100;
export const MAX_CONFIGS_PER_ORGANIZATION = 50;

const ConditionValue = z
  .union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))])
  .openapi({ description: "A string or number; an array for `in` / `not_in`", example: ["Software", "Fintech"] });

export const IcpConditionSchema = z
  .object({
    type: z.enum(CONDITION_TYPES),
    comparator: z.enum(COMPARATORS),
    value: ConditionValue,
    optional: z.boolean().default(false).openapi({ description: "Never excludes a visitor; only raises the score" }),
  })
  .superRefine((condition, ctx) => {
    const kind = kindOf(condition.type);
    if (!ALLOWED[kind].includes(condition.comparator)) {
      ctx.addIssue({
        code: "custom",
        path: ["comparator"],
        message: `'${condition.type}' accepts ${ALLOWED[kind].join(", ")}`,
      });
      return;
    }
    const problem = valueProblem(kind, condition.comparator, condition.value);
    if (problem) ctx.addIssue({ code: "custom", path: ["value"], message: problem });
  })
  .openapi("IcpCondition");

function valueProblem(kind: "string" | "number" | "page", comparator: Comparator, value: unknown): string | null {
  const scalarOk = (v: unknown) =>
    kind === "number"
      ? typeof v === "number" && Number.isFinite(v)
      : typeof v === "string" && v.trim().length > 0 && v.length <= 500;
  const what = kind === "number" ? "a number" : "a non-empty string (at most 500 characters)";
  if (isListComparator(comparator)) {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST_VALUES || !value.every(scalarOk)) {
      return `'${comparator}' takes an array of 1–${MAX_LIST_VALUES} values, each ${what}`;
    }
    return null;
  }
  return scalarOk(value) ? null : `'${comparator}' takes ${what}`;
}

export const IcpGroupSchema = z
  .object({
    operator: z.enum(["AND", "OR"]),
    conditions: z.array(IcpConditionSchema).min(1).max(MAX_CONDITIONS_PER_GROUP),
  })
  .refine((group) => group.conditions.some((c) => !c.optional), {
    message: "a group needs at least one condition that is not optional",
    path: ["conditions"],
  })
  .openapi("IcpGroup");

export const IcpGroupsSchema = z.array(IcpGroupSchema).min(1).max(MAX_GROUPS);

export type IcpCondition = z.output<typeof IcpConditionSchema>;
export type IcpGroup = z.output<typeof IcpGroupSchema>;

export const IcpConfigSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    priority: z.number().int().openapi({ description: "Lower numbers are evaluated first" }),
    enabled: z.boolean(),
    groups: z.array(IcpGroupSchema),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("IcpConfig");
