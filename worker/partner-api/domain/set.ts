import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../http/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { randomHex } from "../../lib/ids";
import { isoSeconds } from "../../lib/time";
import { requireScope } from "../auth";
import { loadPartner } from "../../partners/partner";
import {
  CLAIM_TTL_MS,
  cnameTarget,
  domainTaken,
  verificationState,
  type PartnerWithDomain,
} from "../../partners/custom-domain";
import { DomainVerificationSchema } from "./schemas";

const Hostname = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/,
    "must be a host name such as scripts.example.com (no scheme, port or path)",
  )
  .openapi({ example: "scripts.agency.example" });

const route = createRoute({
  method: "put",
  path: "/domain",
  summary: "Set the custom script domain (admin scope)",
  description:
    "Use a subdomain you control (e.g. `scripts.agency.example`): it needs a CNAME record. Setting a different domain starts a new verification; until it is verified, script tags keep using the platform's host. Setting the same domain again changes nothing. Until verified the domain is only claimed: another account may claim it too, the first to verify it keeps it, and a claim lapses after 7 days (`claimExpiresAt`). 409 when another account has verified it.",
  middleware: [requireScope("admin")] as const,
  request: { body: jsonBody(z.object({ domain: Hostname }).openapi("ScriptDomain")) },
  responses: {
    200: jsonResponse("The DNS records to publish", DomainVerificationSchema),
    ...commonErrors,
    ...errorResponses(409, 422),
  },
});

export const setDomain = createApi().openapi(route, async (c) => {
  const { domain } = c.req.valid("json");
  const partnerId = c.get("partnerId");
  const db = c.env.CATALOG;
  const target = cnameTarget(c.env, c.req.url);
  const apiHost = new URL(c.req.url).hostname;
  if ([target, apiHost].some((own) => domain === own || domain.endsWith(`.${own}`))) {
    throw new ApiError("UnprocessableEntity", "The script domain must be a domain of yours, not the platform's", {
      domain,
    });
  }
  const taken = await db
    .prepare("SELECT 1 AS taken FROM partners WHERE script_domain = ? AND script_domain_verified = 1 AND id != ?")
    .bind(domain, partnerId)
    .first();
  if (taken) throw domainTaken(domain);
  const now = isoSeconds();
  // A new claim (another domain, or the same one after its claim lapsed) starts a new verification.
  await db
    .prepare(
      `UPDATE partners SET script_domain = ?1, script_domain_verified = 0, script_domain_verified_at = NULL,
         domain_verification_token = ?2, script_domain_claimed_at = ?3, updated_at = ?3
       WHERE id = ?4 AND (script_domain IS NOT ?1 OR domain_verification_token IS NULL
         OR (script_domain_verified = 0 AND script_domain_claimed_at <= ?5))`,
    )
    .bind(domain, randomHex(16), now, partnerId, isoSeconds(Date.now() - CLAIM_TTL_MS))
    .run();
  // Script tags change only once the domain is verified; the KV pixel records do not hold the domain.
  const partner = (await loadPartner(db, partnerId)) as PartnerWithDomain & {
    script_domain: string;
    domain_verification_token: string;
  };
  return c.json(verificationState(c.env, c.req.url, partner), 200);
});
