import { z } from "@hono/zod-openapi";
import { LedgerEntrySchema } from "../../credits/ledger";
import { EmailSha256, Timestamp } from "../../http/schemas";
import { SuppressionSchema } from "../../suppressions/schemas";
import { ReceiptSchema } from "../credits/schemas";
import { VisitorSchema } from "../visitors/schemas";

const nullableString = z.string().nullable();

export const ExportedPageViewSchema = z.object({
  path: z.string(),
  viewedAt: Timestamp,
  engagedSeconds: z.number().int(),
  scrollDepth: z.number().int().nullable(),
});

export const ExportedSessionSchema = z.object({
  id: z.string(),
  startedAt: Timestamp,
  lastSeenAt: Timestamp,
  pageViews: z.number().int(),
  landingPage: nullableString,
  referrer: nullableString,
  utmSource: nullableString,
  utmMedium: nullableString,
  utmCampaign: nullableString,
  utmTerm: nullableString,
  utmContent: nullableString,
  deviceType: nullableString,
  pages: z.array(ExportedPageViewSchema),
});

export const PersonExportSchema = z
  .object({
    emailSha256: EmailSha256,
    suppression: SuppressionSchema.nullable().openapi({ description: "Set when the person is suppressed" }),
    organizations: z.array(
      z.object({
        organizationId: z.string(),
        organizationName: z.string(),
        visitorId: z.string().openapi({ description: "The person's visitor id in this organization" }),
        visitor: VisitorSchema.nullable().openapi({
          description: "Null when the retention window or an erasure removed the visitor's story",
        }),
        sessions: z.array(ExportedSessionSchema),
        receipts: z.array(ReceiptSchema),
        ledgerEntries: z.array(LedgerEntrySchema),
      }),
    ),
  })
  .openapi("PersonExport");
