import { z } from "@hono/zod-openapi";

const nullableString = z.string().nullable();

/** The company behind a B2B visitor, as the visitors list and the `visitor.identified` webhook show it. */
export const CompanySchema = z.object({
  name: z.string(),
  domain: z.string(),
  industry: nullableString,
  employeeRange: nullableString,
  revenueRange: nullableString,
  country: nullableString,
  region: nullableString,
  city: nullableString,
  linkedinUrl: nullableString,
});

/** The person behind a B2C visitor; never the email or its hash. */
export const PersonSchema = z.object({
  name: nullableString,
  jobTitle: nullableString,
  emailDomain: nullableString,
  linkedinUrl: nullableString,
  location: nullableString,
});
