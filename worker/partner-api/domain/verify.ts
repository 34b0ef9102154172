import { createRoute, z } from "@hono/zod-openapi";
import type { Env } from "../../env";
import { isUniqueViolation } from "../../http/errors";
import { commonErrors, createApi, errorResponses, jsonResponse } from "../../http/routes";
import { isoSeconds } from "../../lib/time";
import { requireScope } from "../auth";
import { DnsLookupError, lookup, type RecordType } from "../../partners/dns";
import {
  cnameTarget,
  domainTaken,
  partnerWithDomain,
  txtRecordName,
  verificationRecord,
  verificationState,
} from "../../partners/custom-domain";
import { DomainVerificationSchema } from "./schemas";

const CheckSchema = z.object({
  ok: z.boolean(),
  name: z.string(),
  expected: z.string(),
  found: z.array(z.string()),
  error: z.string().nullable().openapi({ description: "Set when the DNS lookup itself failed" }),
});

const route = createRoute({
  method: "post",
  path: "/domain/verify",
  summary: "Check the DNS records now (admin scope)",
  description:
    "Looks up the CNAME and the TXT record. Both must match for `verified: true`; `checks` tells what was found. A failed check does not undo an earlier verification. The first account to verify a domain keeps it (other accounts' claims to it are released); 409 when another account verified it first.",
  middleware: [requireScope("admin")] as const,
  responses: {
    200: jsonResponse(
      "Verification status and what DNS answered",
      DomainVerificationSchema.extend({ checks: z.object({ cname: CheckSchema, txt: CheckSchema }) }),
    ),
    ...commonErrors,
    ...errorResponses(409),
  },
});

async function check(env: Env, name: string, type: RecordType, matches: (value: string) => boolean, expected: string) {
  try {
    const found = await lookup(env, name, type);
    return { ok: found.some(matches), name, expected, found, error: null };
  } catch (error) {
    if (!(error instanceof DnsLookupError)) throw error;
    return { ok: false, name, expected, found: [], error: error.message };
  }
}

export const verifyDomain = createApi().openapi(route, async (c) => {
  const partnerId = c.get("partnerId");
  const db = c.env.CATALOG;
  const partner = await partnerWithDomain(db, partnerId);
  const domain = partner.script_domain;
  const target = cnameTarget(c.env, c.req.url);
  const record = verificationRecord(partner.domain_verification_token);
  const [cname, txt] = await Promise.all([
    check(c.env, domain, "CNAME", (value) => value === target, target),
    check(c.env, txtRecordName(domain), "TXT", (value) => value.trim() === record, record),
  ]);
  if (cname.ok && txt.ok && partner.script_domain_verified !== 1) {
    const at = isoSeconds();
    let verified: D1Result | undefined;
    try {
      // Guarded by the token: a domain changed while DNS was being asked is not marked verified.
      // Proving the domain takes it: every other account's unverified claim to it is released.
      [verified] = await db.batch([
        db
          .prepare(
            `UPDATE partners SET script_domain_verified = 1, script_domain_verified_at = ?, updated_at = ?
             WHERE id = ? AND script_domain = ? AND domain_verification_token = ?`,
          )
          .bind(at, at, partnerId, domain, partner.domain_verification_token),
        db
          .prepare(
            `UPDATE partners SET script_domain = NULL, domain_verification_token = NULL, script_domain_claimed_at = NULL,
               updated_at = ? WHERE script_domain = ? AND script_domain_verified = 0 AND id != ?`,
          )
          .bind(at, domain, partnerId),
      ]);
    } catch (error) {
      if (isUniqueViolation(error)) throw domainTaken(domain, error);
      throw error;
    }
    if (verified!.meta.changes > 0)
      Object.assign(partner, { script_domain_verified: 1, script_domain_verified_at: at });
  }
  return c.json({ ...verificationState(c.env, c.req.url, partner), checks: { cname, txt } }, 200);
});
