import { createRoute, z } from "@hono/zod-openapi";
import { CONSENT_MODES, type ConsentMode } from "../../../shared/hit";
import { normalizeReferrerEntry } from "../../collect/referrer";
import type { Env } from "../../env";
import { ApiError } from "../../http/errors";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/openapi";
import { isoSeconds } from "../../lib/ids";
import { writeThroughPixels } from "../../pixel-config/record";
import { loadPartner } from "../partner";
import { IdParam, PixelSchema } from "../schemas";
import { findOrganization } from "./repository";
import { scriptTag, scriptUrl } from "./script-tag";

const params = z.object({ organizationId: IdParam("organizationId") });
const pixelResponse = jsonResponse("The organization's pixel", z.object({ pixel: PixelSchema }));

const getRoute = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/pixel",
  summary: "Get the pixel (key, allowed referrers, script tag)",
  request: { params },
  responses: { 200: pixelResponse, ...commonErrors },
});

const PixelUpdate = z
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

const putRoute = createRoute({
  method: "put",
  path: "/organizations/{organizationId}/pixel",
  summary: "Configure the pixel",
  request: { params, body: jsonBody(PixelUpdate) },
  responses: { 200: pixelResponse, ...commonErrors },
});

interface PixelRow {
  api_key: string;
  allowed_referrers: string;
  respect_privacy_signals: number;
  hash_routing: number;
  consent_mode: ConsentMode;
}

export async function pixelOf(env: Env, requestUrl: string, partnerId: string, organizationId: string) {
  const [row, partner] = await Promise.all([
    env.DB.prepare("SELECT * FROM pixels WHERE organization_id = ?").bind(organizationId).first<PixelRow>(),
    loadPartner(env.DB, partnerId),
  ]);
  if (!row) throw new Error(`pixel of ${organizationId} missing`);
  const url = scriptUrl(env, requestUrl, partner, row.api_key);
  return {
    apiKey: row.api_key,
    allowedReferrers: JSON.parse(row.allowed_referrers) as string[],
    scriptTag: scriptTag(url),
    scriptUrl: url,
    respectPrivacySignals: row.respect_privacy_signals === 1,
    hashRouting: row.hash_routing === 1,
    consentMode: row.consent_mode,
  };
}

export const pixelRoutes = createApi()
  .openapi(getRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    await findOrganization(c.env.DB, c.get("partnerId"), organizationId);
    return c.json({ pixel: await pixelOf(c.env, c.req.url, c.get("partnerId"), organizationId) }, 200);
  })
  .openapi(putRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    const body = c.req.valid("json");
    await findOrganization(c.env.DB, c.get("partnerId"), organizationId);
    const sets: string[] = [];
    const values: unknown[] = [];
    if (body.allowedReferrers) {
      const normalized = body.allowedReferrers.map(normalizeReferrerEntry);
      const bad = body.allowedReferrers.filter((_, i) => normalized[i] === null);
      if (bad.length > 0) {
        throw new ApiError(
          "BadRequest",
          "Invalid allowed referrer",
          bad.map((value) => ({ field: "allowedReferrers", message: `'${value}' is not a host or *.host` })),
        );
      }
      sets.push("allowed_referrers = ?");
      values.push(JSON.stringify([...new Set(normalized)]));
    }
    if (body.respectPrivacySignals !== undefined) {
      sets.push("respect_privacy_signals = ?");
      values.push(body.respectPrivacySignals ? 1 : 0);
    }
    if (body.hashRouting !== undefined) {
      sets.push("hash_routing = ?");
      values.push(body.hashRouting ? 1 : 0);
    }
    if (body.consentMode !== undefined) {
      sets.push("consent_mode = ?");
      values.push(body.consentMode);
    }
    if (sets.length > 0) {
      await c.env.DB.prepare(`UPDATE pixels SET ${sets.join(", ")}, updated_at = ? WHERE organization_id = ?`)
        .bind(...values, isoSeconds(), organizationId)
        .run();
      await writeThroughPixels(c.env, [organizationId]);
    }
    return c.json({ pixel: await pixelOf(c.env, c.req.url, c.get("partnerId"), organizationId) }, 200);
  });
