import { createRoute, z } from "@hono/zod-openapi";
import type { Env } from "../../env";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { isoSeconds } from "../../lib/time";
import { requireScope } from "../auth";
import { DnsLookupError, lookup, type RecordType } from "./dns";
import { cnameTarget, partnerWithDomain, txtRecordName, verificationRecord, verificationState } from "./queries";
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
    "Looks up the CNAME and the TXT record. Both must match for `verified: true`; `checks` tells what was found. A failed check does not undo an earlier verification.",
  middleware: [requireScope("admin")] as const,
  responses: {
    200: jsonResponse(
      "Verification status and what DNS answered",
      DomainVerificationSchema.extend({ checks: z.object({ cname: CheckSchema, txt: CheckSchema }) }),
    ),
    ...commonErrors,
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
  const db = c.env.DB;
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
    // Guarded by the token: a domain changed while DNS was being asked is not marked verified.
    const { meta } = await db
      .prepare(
        `UPDATE partners SET script_domain_verified = 1, script_domain_verified_at = ?, updated_at = ?
         WHERE id = ? AND script_domain = ? AND domain_verification_token = ?`,
      )
      .bind(at, at, partnerId, domain, partner.domain_verification_token)
      .run();
    if (meta.changes > 0) Object.assign(partner, { script_domain_verified: 1, script_domain_verified_at: at });
  }
  return c.json({ ...verificationState(c.env, c.req.url, partner), checks: { cname, txt } }, 200);
});
