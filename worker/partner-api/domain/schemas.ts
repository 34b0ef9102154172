import { z } from "@hono/zod-openapi";
import { HOSTNAME_STATES } from "../../custom-hostnames/status";

const DnsRecordSchema = z.object({ type: z.enum(["CNAME", "TXT"]), name: z.string(), value: z.string() });

export const CustomHostnameSchema = z
  .object({
    id: z.string().nullable().openapi({ description: "Cloudflare's id; null until Cloudflare has created it" }),
    state: z.enum(HOSTNAME_STATES).openapi({
      description:
        "Ours: `creating` (Cloudflare has not accepted it yet, retried), `pending`, `active` (hostname and certificate active), `failed` (Cloudflare gave up: fix DNS and check again), `deleting`",
    }),
    status: z.string().nullable().openapi({
      description: "Cloudflare's status of the hostname: `pending`, `active`, `moved`, `deleted`, `blocked`, …",
      example: "pending",
    }),
    sslStatus: z.string().nullable().openapi({
      description:
        "Cloudflare's status of the certificate: `initializing`, `pending_validation`, `pending_issuance`, `pending_deployment`, `active`, `validation_timed_out`, …",
      example: "pending_validation",
    }),
    validationRecords: z
      .array(z.object({ type: z.enum(["TXT", "HTTP"]), name: z.string(), value: z.string() }))
      .openapi({
        description:
          "Cloudflare's ownership TXT record (`_cf-custom-hostname.…`) and the certificate's validation: TXT records to publish, or an HTTP token (its URL and body) that Cloudflare serves itself once the CNAME is in place. Cloudflare may list them only a while after the hostname was created.",
      }),
    errors: z.array(z.string()).openapi({ description: "What Cloudflare reported as wrong, if anything" }),
    checkedAt: z.string().nullable(),
  })
  .openapi("CustomHostname");

export const DomainVerificationSchema = z
  .object({
    domain: z.string().openapi({ example: "scripts.agency.example" }),
    verified: z.boolean().openapi({ description: "Our DNS check found both records" }),
    verifiedAt: z.string().nullable(),
    claimExpiresAt: z.string().nullable().openapi({
      description:
        "Until verified, the domain is only claimed: others may claim it too, and the claim lapses at this time (7 days after it was made). Null once verified.",
    }),
    verificationRecord: z.string().openapi({
      description: "Value of the TXT record",
      example: "domain-verification=0123456789abcdef0123456789abcdef",
    }),
    cnameTarget: z.string().openapi({ example: "scripts.platform.example" }),
    dnsRecords: z.array(DnsRecordSchema).openapi({
      description:
        "Every record to publish: the CNAME and our TXT record, then Cloudflare's ownership TXT and any TXT certificate validation (which may appear only on a later read)",
    }),
    active: z.boolean().openapi({
      description:
        "The domain is live: verified, and its certificate active (when the platform provisions TLS). Script tags and dashboard links use it from then on; until then they stay on the platform's host.",
    }),
    tls: z.enum(["not_provisioned", "creating", "pending", "active", "failed"]).openapi({
      description:
        "`not_provisioned`: the platform does not provision certificates (the operator serves the domain's TLS); else the custom hostname's `state`",
    }),
    customHostname: CustomHostnameSchema.nullable().openapi({
      description:
        "The domain as a custom hostname of the platform's Cloudflare zone; null when TLS is not provisioned",
    }),
    instructions: z.string(),
  })
  .openapi("DomainVerification");
