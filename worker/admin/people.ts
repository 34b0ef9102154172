import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, errorResponses, jsonResponse } from "../http/routes";
import { EmailSha256 } from "../http/schemas";
import { isoSeconds } from "../lib/time";
import { importRecords } from "../imports/records";
import { WEB_LINK_PROTOCOL } from "../lib/web-link";

const optionalText = z.string().max(255).nullable().optional();

const PersonRecord = z.object({
  emailSha256: z.string().trim().toLowerCase().pipe(EmailSha256),
  name: optionalText,
  emailDomain: optionalText,
  jobTitle: optionalText,
  companyDomain: optionalText,
  linkedinUrl: z.url({ protocol: WEB_LINK_PROTOCOL }).max(2048).nullable().optional(),
  location: optionalText,
});

const route = createRoute({
  method: "post",
  path: "/people",
  summary: "Import B2C identities keyed by emailSha256 (JSON array or NDJSON)",
  description:
    "Body: a JSON array of people, or NDJSON (one per line). Fields: emailSha256 (SHA-256 hex of the trimmed, lower-cased email), name, emailDomain, jobTitle, companyDomain, linkedinUrl, location. Re-importing a hash updates it.",
  responses: {
    200: jsonResponse("Imported", z.object({ imported: z.number().int() })),
    ...commonErrors,
    ...errorResponses(413),
  },
});

export const importPeople = createApi().openapi(route, async (c) => {
  const db = c.env.CATALOG;
  const now = isoSeconds();
  const upsert = db.prepare(
    `INSERT INTO people (email_sha256, name, email_domain, job_title, company_domain, linkedin_url, location, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (email_sha256) DO UPDATE SET name = excluded.name, email_domain = excluded.email_domain,
       job_title = excluded.job_title, company_domain = excluded.company_domain, linkedin_url = excluded.linkedin_url,
       location = excluded.location, updated_at = excluded.updated_at`,
  );
  const imported = await importRecords(c, PersonRecord, (people) =>
    people.map((p) => [
      upsert.bind(
        p.emailSha256,
        p.name ?? null,
        p.emailDomain ?? null,
        p.jobTitle ?? null,
        p.companyDomain ?? null,
        p.linkedinUrl ?? null,
        p.location ?? null,
        now,
        now,
      ),
    ]),
  );
  return c.json({ imported }, 200);
});
