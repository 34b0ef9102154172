import { createRoute, z } from "@hono/zod-openapi";
import { ApiError, isUniqueViolation } from "../../http/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { randomHex } from "../../lib/ids";
import { isoSeconds } from "../../lib/time";
import { requireScope } from "../auth";
import { loadPartner } from "../../partners/partner";
import { cnameTarget, verificationState, type PartnerWithDomain } from "./queries";
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
    "Use a subdomain you control (e.g. `scripts.agency.example`): it needs a CNAME record. Setting a different domain starts a new verification; until it is verified, script tags keep using the platform's host. Setting the same domain again changes nothing.",
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
  const db = c.env.DB;
  const target = cnameTarget(c.env, c.req.url);
  const apiHost = new URL(c.req.url).hostname;
  if ([target, apiHost].some((own) => domain === own || domain.endsWith(`.${own}`))) {
    throw new ApiError("UnprocessableEntity", "The script domain must be a domain of yours, not the platform's", {
      domain,
    });
  }
  try {
    await db
      .prepare(
        `UPDATE partners SET script_domain = ?1, script_domain_verified = 0, script_domain_verified_at = NULL,
           domain_verification_token = ?2, updated_at = ?3
         WHERE id = ?4 AND (script_domain IS NOT ?1 OR domain_verification_token IS NULL)`,
      )
      .bind(domain, randomHex(16), isoSeconds(), partnerId)
      .run();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ApiError("Conflict", "This domain is already used by another account", { domain }, { cause: error });
    }
    throw error;
  }
  // Script tags change only once the domain is verified; the KV pixel records do not hold the domain.
  const partner = (await loadPartner(db, partnerId)) as PartnerWithDomain & {
    script_domain: string;
    domain_verification_token: string;
  };
  return c.json(verificationState(c.env, c.req.url, partner), 200);
});
