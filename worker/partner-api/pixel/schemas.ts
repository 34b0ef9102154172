import { z } from "@hono/zod-openapi";
import { CONSENT_MODES } from "../../../shared/hit";

export const PixelSchema = z
  .object({
    apiKey: z.string(),
    allowedReferrers: z.array(z.string()),
    scriptTag: z.string().openapi({ example: '<script async src="https://example.net/s/abc.js"></script>' }),
    scriptUrl: z.string(),
    respectPrivacySignals: z
      .boolean()
      .openapi({ description: "Send nothing when the browser signals Do-Not-Track or GPC" }),
    hashRouting: z.boolean().openapi({ description: "Count `#/route` changes as page views" }),
    consentMode: z.enum(CONSENT_MODES).openapi({
      description:
        "What the script holds back until the site grants consent: `personal` (default) the email hash of `identify`, `all` everything, `off` nothing",
    }),
    proxySecret: z
      .object({ createdAt: z.string().openapi({ example: "2026-03-01T12:00:00Z" }) })
      .nullable()
      .openapi({
        description:
          "Whether a first-party proxy secret is set, and since when (the secret itself is shown only when it is created); null when none is",
      }),
  })
  .openapi("Pixel");

export const ProxySecretSchema = z
  .object({
    secret: z.string().openapi({
      description: "HMAC-SHA256 key (as its UTF-8 text) of the forwarding signature; shown only now",
      example: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    }),
    createdAt: z.string().openapi({ example: "2026-03-01T12:00:00Z" }),
  })
  .openapi("ProxySecret");

export const PixelUpdate = z
  .object({
    allowedReferrers: z
      .array(z.string().max(253))
      .max(100)
      .optional()
      .openapi({
        description:
          "Hosts allowed to send hits. `*.example.org` matches every subdomain, not the apex. Empty allows every host.",
        example: ["example.com", "*.example.org"],
      }),
    respectPrivacySignals: z.boolean().optional(),
    hashRouting: z.boolean().optional(),
    consentMode: z.enum(CONSENT_MODES).optional(),
  })
  .openapi("PixelUpdate");
