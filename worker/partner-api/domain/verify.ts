import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, errorResponses, jsonResponse } from "../../http/routes";
import { verifyDomain as verify } from "../../partners/domain-setup";
import { requireScope } from "../auth";
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
    "Looks up the CNAME and the TXT record, and reads the domain's custom hostname from Cloudflare again (creating it if it is not yet, starting its validation again if it failed). Both DNS records must match for `verified: true`; `checks` tells what DNS answered, `customHostname` what Cloudflare said. `active` once verified and the certificate is active. A failed check does not undo an earlier verification. The first account to verify a domain keeps it (other accounts' claims to it are released); 409 when another account verified it first.",
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

export const verifyDomain = createApi().openapi(route, async (c) =>
  c.json(await verify(c.env, c.get("partnerId"), c.req.url), 200),
);
