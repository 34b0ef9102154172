import { isoSeconds } from "../lib/time";
import { personIdentity, type Identifier } from "./identifier";

/** A B2C identity, as imported: keyed by the SHA-256 of the trimmed, lower-cased email. */
export interface PersonData {
  emailSha256: string;
  name?: string | null;
  emailDomain?: string | null;
  jobTitle?: string | null;
  companyDomain?: string | null;
  linkedinUrl?: string | null;
  location?: string | null;
}

/** Inserts the person, or updates the one with this hash (`at`: when, for the whole import). */
export function upsertPersonStatement(db: D1Database, p: PersonData, at = isoSeconds()): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO people (email_sha256, name, email_domain, job_title, company_domain, linkedin_url, location, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (email_sha256) DO UPDATE SET name = excluded.name, email_domain = excluded.email_domain,
         job_title = excluded.job_title, company_domain = excluded.company_domain, linkedin_url = excluded.linkedin_url,
         location = excluded.location, updated_at = excluded.updated_at`,
    )
    .bind(
      p.emailSha256,
      p.name ?? null,
      p.emailDomain ?? null,
      p.jobTitle ?? null,
      p.companyDomain ?? null,
      p.linkedinUrl ?? null,
      p.location ?? null,
      at,
      at,
    );
}

/** B2C: the hash sent by the pixel's `identify` against imported people. */
export function peopleIdentifier(db: D1Database): Identifier {
  return {
    async identify(inputs) {
      const hashes = [
        ...new Set(inputs.flatMap((i) => (i.productType === "B2C" && i.emailSha256 ? [i.emailSha256] : []))),
      ];
      if (hashes.length === 0) return inputs.map(() => null);
      const { results } = await db
        .prepare("SELECT email_sha256 FROM people WHERE email_sha256 IN (SELECT value FROM json_each(?))")
        .bind(JSON.stringify(hashes))
        .all<{ email_sha256: string }>();
      const known = new Set(results.map((r) => r.email_sha256));
      return inputs.map((i) =>
        i.productType === "B2C" && i.emailSha256 && known.has(i.emailSha256) ? personIdentity(i.emailSha256) : null,
      );
    },
  };
}
