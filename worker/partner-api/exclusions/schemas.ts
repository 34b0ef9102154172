import { z } from "@hono/zod-openapi";
import { MAX_DOMAINS, MAX_IP_RANGES } from "../../exclusions/rules";

export const ExclusionsUpdate = z
  .object({
    domains: z
      .array(z.string().max(253))
      .max(MAX_DOMAINS)
      .openapi({ description: "Company or email domains; subdomains are included", example: ["client.example"] }),
    ipRanges: z
      .array(z.string().max(64))
      .max(MAX_IP_RANGES)
      .openapi({ description: "IPv4/IPv6 addresses or CIDR ranges", example: ["203.0.113.0/24", "2001:db8::/48"] }),
  })
  .openapi("ExclusionsUpdate");

export const ExclusionsSchema = z
  .object({
    organizationId: z.string(),
    domains: z.array(z.string()),
    ipRanges: z.array(z.string()).openapi({ description: "Canonical CIDRs" }),
    updatedAt: z.string().nullable().openapi({ example: "2025-01-15T10:30:00Z" }),
  })
  .openapi("Exclusions");
