import { z } from "@hono/zod-openapi";
import {
  BILLING_MODES,
  BILLING_PERIODS,
  IDENTITY_TYPES,
  PRODUCT_TYPES,
  TIERS,
  type BillingMode,
  type BillingPeriod,
} from "../../shared/billing";
import { EMAIL_SHA256, EMAIL_SHA256_RULE } from "../lib/email-hash";

/** Timestamps are ISO 8601 UTC without milliseconds. */
export const Timestamp = z.string().openapi({ example: "2025-01-15T10:30:00Z" });

/** A calendar day (UTC). */
export const Day = z.string().openapi({ example: "2025-01-15" });

export const TierSchema = z.enum(TIERS);
export const ProductTypeSchema = z.enum(PRODUCT_TYPES);
export const BillingPeriodSchema = z.enum(BILLING_PERIODS);
export const BillingModeSchema = z.enum(BILLING_MODES);
export const IdentityTypeSchema = z.enum(IDENTITY_TYPES);

/** Spellings of the public docs accepted in requests (docs/partner-api.md#billing), stored as the canonical word. */
const PERIOD_ALIASES = { annual: "annually" } as const satisfies Record<string, BillingPeriod>;
const MODE_ALIASES = { pooled: "credit_pool" } as const satisfies Record<string, BillingMode>;

const withAliases = <W extends string, A extends string>(words: readonly W[], aliases: Record<A, W>) => {
  const accepted = [...words, ...(Object.keys(aliases) as A[])];
  return z
    .enum(accepted as [W | A, ...(W | A)[]])
    .transform((word): W => (aliases as Record<string, W>)[word] ?? (word as W))
    .openapi({ type: "string", enum: accepted });
};

/** A billing period in a request: the canonical words plus `annual`. */
export const BillingPeriodInput = withAliases(BILLING_PERIODS, PERIOD_ALIASES);
/** A billing mode in a request: the canonical words plus `pooled`. */
export const BillingModeInput = withAliases(BILLING_MODES, MODE_ALIASES);

/** A person as every route and hit names them: the SHA-256 hex of their trimmed, lower-cased email. */
export const EmailSha256 = z.string().regex(EMAIL_SHA256, EMAIL_SHA256_RULE).openapi({
  example: "b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514",
});

/** A path parameter holding a resource id. */
export const IdParam = (name: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name, in: "path" }, example: "org_0123456789abcdef0123456789abcdef" });

/** The path parameters of everything under `/organizations/{organizationId}`. */
export const OrganizationParams = z.object({ organizationId: IdParam("organizationId") });

/** `page` (1-based) and `pageSize` (alias `limit`), at most 100. */
export const PageQuery = {
  page: z.coerce.number().int().min(1).default(1).openapi({ example: 1 }),
  pageSize: z.coerce.number().int().min(1).max(100).optional().openapi({ example: 20 }),
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ description: "Alias of pageSize" }),
};

export function pageOf(query: { page: number; pageSize?: number; limit?: number }) {
  const pageSize = query.pageSize ?? query.limit ?? 20;
  return { page: query.page, pageSize, offset: (query.page - 1) * pageSize };
}

/** The fields every page of a list carries besides its items. */
export const PageFields = {
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
};

/** Keyset paging beside `page`: the `nextCursor` of the previous answer (then `page` is ignored). */
export const CursorQuery = {
  cursor: z
    .string()
    .max(300)
    .optional()
    .openapi({ description: "The previous page's `nextCursor`: the page after it, at the cost of page 1" }),
};

/** Beyond this many rows, `page` numbers are refused where a list says so: a deep OFFSET scans every row before it. Use `cursor`. */
export const MAX_OFFSET_ROWS = 10_000;

/** Filtered lists count their matches up to this many; `total` says no more than that. */
export const COUNT_LIMIT = 10_000;

/** A cursor-paged list also answers the cursor of its next page. */
export const CursorFields = {
  nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last" }),
};

/** `YYYY-MM-DD` or ISO 8601. */
export const DateQuery = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), "must be YYYY-MM-DD or ISO 8601")
  .optional();

/** A page of entries between two optional dates, both included (receipts, ledger). */
export const datedPageQuery = () => ({
  ...PageQuery,
  startDate: DateQuery.openapi({ description: "On or after (YYYY-MM-DD or ISO 8601)" }),
  endDate: DateQuery.openapi({ description: "On or before; a date includes the whole day" }),
});
