import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, errorResponses, jsonResponse } from "../http/routes";
import { EmailSha256 } from "../http/schemas";
import { upsertPersonStatement } from "../identify/people";
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
  const now = isoSeconds();
  const imported = await importRecords(c, PersonRecord, (people) =>
    people.map((person) => [upsertPersonStatement(c.env.CATALOG, person, now)]),
  );
  return c.json({ imported }, 200);
});
