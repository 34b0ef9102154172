import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { requireScope } from "../auth";
import { loadPartner } from "../../partners/partner";
import { updateBranding as saveBranding, type BrandingColumn } from "../../partners/queries";
import { HexColorSchema } from "./schemas";

const BrandingUpdate = z
  .object({
    logoUrl: z
      .url({ protocol: /^https$/, error: "must be an https URL" })
      .max(2048)
      .nullable()
      .optional()
      .openapi({ description: "https URL of the logo; null removes it", example: "https://cdn.example.com/logo.svg" }),
    primaryColor: HexColorSchema.optional(),
    secondaryColor: HexColorSchema.optional(),
    companyName: z.string().trim().min(1).max(255).optional(),
  })
  .strict()
  .openapi("BrandingUpdate");

const Branding = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    logoUrl: z.string().nullable(),
    primaryColor: z.string().nullable(),
    secondaryColor: z.string().nullable(),
    companyName: z.string().nullable(),
  })
  .openapi("Branding");

const route = createRoute({
  method: "put",
  path: "/branding",
  summary: "Update the branding (admin scope)",
  description: "Only the fields sent change.",
  middleware: [requireScope("admin")] as const,
  request: { body: jsonBody(BrandingUpdate) },
  responses: { 200: jsonResponse("The branding", z.object({ partner: Branding })), ...commonErrors },
});

const COLUMNS = {
  logoUrl: "logo_url",
  primaryColor: "primary_color",
  secondaryColor: "secondary_color",
  companyName: "company_name",
} as const satisfies Record<string, BrandingColumn>;

export const updateBranding = createApi().openapi(route, async (c) => {
  const body = c.req.valid("json");
  const partnerId = c.get("partnerId");
  const changes = (Object.keys(COLUMNS) as (keyof typeof COLUMNS)[])
    .filter((field) => body[field] !== undefined)
    .map((field): [BrandingColumn, string | null] => [COLUMNS[field], body[field] ?? null]);
  await saveBranding(c.env.CATALOG, partnerId, changes);
  const row = await loadPartner(c.env.CATALOG, partnerId);
  return c.json(
    {
      partner: {
        id: row.id,
        name: row.name,
        slug: row.slug,
        logoUrl: row.logo_url,
        primaryColor: row.primary_color,
        secondaryColor: row.secondary_color,
        companyName: row.company_name,
      },
    },
    200,
  );
});
