import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { setDomain as set } from "../../partners/domain-setup";
import { requireScope } from "../auth";
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
    "Use a subdomain you control (e.g. `scripts.agency.example`): it needs a CNAME record. Setting a different domain starts a new verification; until it is verified, script tags keep using the platform's host. Setting the same domain again changes nothing. When the platform provisions TLS, the domain is also created as a custom hostname of its Cloudflare zone (a DV certificate, validated over HTTP once the CNAME is in place); a name Cloudflare refuses (reserved or invalid) → 422. Changing the domain deletes the old one's hostname and ends sessions and sign-in links on it. Until verified the domain is only claimed: another account may claim it too, the first to verify it keeps it, and a claim lapses after 7 days (`claimExpiresAt`). 409 when another account has verified it.",
  middleware: [requireScope("admin")] as const,
  request: { body: jsonBody(z.object({ domain: Hostname }).openapi("ScriptDomain")) },
  responses: {
    200: jsonResponse("The DNS records to publish", DomainVerificationSchema),
    ...commonErrors,
    ...errorResponses(409, 422),
  },
});

export const setDomain = createApi().openapi(route, async (c) =>
  c.json(await set(c.env, c.get("partnerId"), c.req.valid("json").domain, c.req.url), 200),
);
