import { personIdentity, type Identifier } from "./identifier";

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
