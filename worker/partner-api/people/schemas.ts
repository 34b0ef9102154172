import { z } from "@hono/zod-openapi";
import { LedgerEntrySchema } from "../../credits/schemas";
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
    suppression: z.union([SuppressionSchema, z.null()]),
    organizations: z.array(
      z.object({
        organizationId: z.string(),
        organizationName: z.string(),
        visitorId: z.string().openapi({ description: "The person's visitor id in this organization" }),
        visitor: z.union([VisitorSchema, z.null()]),
        sessions: z.array(ExportedSessionSchema),
        receipts: z.array(ReceiptSchema),
        ledgerEntries: z.array(LedgerEntrySchema),
      }),
    ),
  })
  .openapi("PersonExport", {
    description:
      "`suppression` is null unless the person is suppressed; an organization's `visitor` is null once the retention window or an erasure removed it.",
  });
