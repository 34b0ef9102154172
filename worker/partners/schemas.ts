import { z } from "@hono/zod-openapi";
import { API_KEY_STATUSES, PARTNER_STATUSES, SCOPES } from "../../shared/accounts";
import { BillingModeSchema, BillingPeriodSchema, Timestamp } from "../http/schemas";
import { FREE_GLOBAL_NAME_RULE, GLOBAL_NAME, GLOBAL_NAME_RULE, isFreeGlobalName } from "../../shared/global-name";

/** The global name rule (shared/global-name.ts), with its description in the API documents. */
export const GlobalNameSchema = z
  .string()
  .regex(GLOBAL_NAME, GLOBAL_NAME_RULE)
  .refine(isFreeGlobalName, FREE_GLOBAL_NAME_RULE)
  .openapi({
    description:
      "Global name of the script's command queue on client sites: a JavaScript identifier (at most 32 characters) that no page already has, i.e. not a property of the browser's `window` (such as `setTimeout` or `onerror`), a keyword or a common library's global",
    example: "_acme",
  });

export const PartnerStatusSchema = z.enum(PARTNER_STATUSES);

/** Days identified visitors keep their story when the partner has not chosen (docs/collect.md#retention). */
export const DEFAULT_RETENTION_DAYS = 400;

export const RetentionDaysSchema = z.number().int().min(1).max(1825).openapi({
  description:
    "Days an identified visitor keeps its sessions and page views: visitors not seen for this long are removed, and older visits of the others (1–1,825)",
  example: DEFAULT_RETENTION_DAYS,
});

/** The partner account, as the partner (`GET /me`) and the operator see it. */
export const PartnerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    status: PartnerStatusSchema,
    companyName: z.string().nullable(),
    supportEmail: z.string().nullable(),
    logoUrl: z.string().nullable(),
    primaryColor: z.string().nullable(),
    secondaryColor: z.string().nullable(),
    scriptDomain: z.string().nullable(),
    scriptDomainVerified: z.boolean(),
    globalName: z.string().nullable().openapi({ description: "Null: the platform default" }),
    billingMode: BillingModeSchema,
    billingPeriod: BillingPeriodSchema,
    billingDayOfMonth: z.number().int(),
    creditPoolTotal: z.number().int(),
    creditPoolUsed: z.number().int().openapi({ description: "Credits allocated to organizations" }),
    creditPoolAvailable: z.number().int().openapi({ description: "Credits that can still be allocated" }),
    maxOrganizations: z.number().int().nullable(),
    maxIdentificationsPerOrg: z.number().int().nullable(),
    retentionDays: RetentionDaysSchema,
    uncappedUsage: z.boolean().openapi({
      description:
        "usage_based: an organization with allocation 0 is counted without a cap (unless maxIdentificationsPerOrg is set)",
    }),
    identificationWebhookUrl: z.string().nullable(),
    identificationWebhookEnabled: z.boolean(),
    billingWebhookUrl: z.string().nullable(),
    billingWebhookEnabled: z.boolean(),
    createdAt: Timestamp,
  })
  .openapi("Partner");

/** The partner as the operator sees it: with the tenant shard its organizations live in. */
export const OperatorPartnerSchema = PartnerSchema.extend({
  shard: z.number().int().openapi({ description: "The tenant database (TENANT_<shard>) chosen at onboarding" }),
}).openapi("OperatorPartner");

export const ScopeSchema = z.enum(SCOPES);

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    keyPrefix: z.string().openapi({ example: "pk_live_3f2a" }),
    scopes: z.array(ScopeSchema).openapi({ description: "Empty: full access" }),
    status: z.enum(API_KEY_STATUSES),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable().openapi({ description: "Updated at most once a minute" }),
    createdAt: z.string(),
  })
  .openapi("ApiKey");
