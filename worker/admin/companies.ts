import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, errorResponses, jsonResponse } from "../http/routes";
import { parseCidr, upsertCompanyStatements } from "../identify/companies";
import { forgetPrefixLengths } from "../identify/ip-ranges";
import type { Cidr } from "../lib/ip";
import { importRecords } from "../imports/records";
import { WEB_LINK_PROTOCOL } from "../lib/web-link";

const optionalText = z.string().max(255).nullable().optional();

const CompanyRecord = z.object({
  name: z.string().trim().min(1).max(255),
  domain: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, "must be a domain name"),
  industry: optionalText,
  employeeRange: optionalText,
  revenueRange: optionalText,
  country: optionalText,
  region: optionalText,
  city: optionalText,
  linkedinUrl: z.url({ protocol: WEB_LINK_PROTOCOL }).max(2048).nullable().optional(),
  ipRanges: z
    .array(z.string())
    .max(10_000)
    .default([])
    .transform((ranges, ctx) =>
      ranges.flatMap((range): Cidr[] => {
        const cidr = parseCidr(range);
        if (!cidr) ctx.addIssue({ code: "custom", message: `'${range}' is not an IPv4 or IPv6 CIDR` });
        return cidr ? [cidr] : [];
      }),
    ),
});

const route = createRoute({
  method: "post",
  path: "/companies",
  summary: "Import B2B companies and their IP ranges (JSON array or NDJSON)",
  description:
    "Body: a JSON array of companies, or NDJSON (`application/x-ndjson`, one company per line). Fields: name, domain, industry, employeeRange, revenueRange, country, region, city, linkedinUrl, ipRanges (IPv4/IPv6 CIDR strings). Re-importing a domain updates the company and replaces its ranges. Overlapping ranges resolve to the most specific (longest prefix). All records are validated before anything is written.",
  responses: {
    200: jsonResponse("Imported", z.object({ imported: z.number().int(), ipRanges: z.number().int() })),
    ...commonErrors,
    ...errorResponses(413),
  },
});

export const importCompanies = createApi().openapi(route, async (c) => {
  const db = c.env.CATALOG;
  let ipRanges = 0;
  const imported = await importRecords(c, CompanyRecord, (companies) =>
    companies.map(({ ipRanges: ranges, ...company }) => {
      ipRanges += ranges.length;
      return upsertCompanyStatements(db, company, ranges);
    }),
  );
  forgetPrefixLengths();
  return c.json({ imported, ipRanges }, 200);
});
