import { z } from "@hono/zod-openapi";

export const DomainVerificationSchema = z
  .object({
    domain: z.string().openapi({ example: "scripts.agency.example" }),
    verified: z.boolean(),
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
    dnsRecords: z.array(z.object({ type: z.enum(["CNAME", "TXT"]), name: z.string(), value: z.string() })),
    instructions: z.string(),
  })
  .openapi("DomainVerification");
