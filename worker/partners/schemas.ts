import { z } from "@hono/zod-openapi";
import { API_KEY_STATUSES, PARTNER_STATUSES, SCOPES } from "../../shared/accounts";
import { BillingModeSchema, BillingPeriodSchema, Timestamp } from "../http/schemas";

/** Names the script may not take on a client's page: keywords and globals the page itself needs. */
const TAKEN_NAMES = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if implements import in instanceof interface let new null package private protected public return " +
    "static super switch this throw true try typeof var void while with yield await arguments eval undefined NaN " +
    "Infinity globalThis window self document top parent frames opener location history navigator screen name " +
    "status origin closed length event external console fetch localStorage sessionStorage performance crypto " +
    "alert confirm prompt open close print Object Array Function String Number Boolean Symbol Promise JSON Math " +
    "Date Error RegExp Map Set WeakMap WeakSet Proxy Reflect URL Image $ _ jQuery React Vue angular dataLayer gtag ga"
  ).split(" "),
);

/** Global name of the script's command queue on client sites (`window[globalName]`). */
export const GlobalNameSchema = z
  .string()
  .regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,31}$/, "must be a JavaScript identifier of at most 32 characters")
  .refine((name) => !TAKEN_NAMES.has(name), "is a keyword or a global the page already uses")
  .openapi({ description: "Global name of the script's command queue on client sites", example: "_acme" });

export const PartnerStatusSchema = z.enum(PARTNER_STATUSES);

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
