import { createRoute, z } from "@hono/zod-openapi";
import { configOf } from "../../config";
import type { Env } from "../../env";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { requireScope } from "../auth";
import { scriptBaseUrl } from "../../organizations/script-tag";
import { loadPartner } from "../../partners/partner";
import { setGlobalName } from "../../partners/queries";
import { GlobalNameSchema } from "../../partners/schemas";
import { writeThroughPartnerPixels } from "../../pixel-config/record";

const ScriptConfig = z
  .object({
    companyName: z.string().nullable(),
    slug: z.string(),
    scriptDomain: z.string().nullable(),
    scriptDomainVerified: z.boolean(),
    scriptBaseUrl: z
      .string()
      .openapi({ description: "Script tags load from here: the verified domain, else the platform's" }),
    globalName: z.string().openapi({ description: "Global name of the command queue on client sites" }),
  })
  .openapi("ScriptConfig");

const response = jsonResponse("What embedding the script needs", ScriptConfig);

const getRoute = createRoute({
  method: "get",
  operationId: "getScriptConfig",
  path: "/script-config",
  summary: "What embedding the script needs",
  responses: { 200: response, ...commonErrors },
});

const putRoute = createRoute({
  method: "put",
  operationId: "updateScriptConfig",
  path: "/script-config",
  summary: "Choose the script's global name (admin scope)",
  description:
    "`globalName: null` returns to the platform default. Client sites pick up the change within about 60 seconds plus the script's cache lifetime; snippets that call the old name keep working only until then.",
  middleware: [requireScope("admin")] as const,
  request: {
    body: jsonBody(z.object({ globalName: GlobalNameSchema.nullable() }).strict().openapi("ScriptConfigUpdate")),
  },
  responses: { 200: response, ...commonErrors },
});

async function scriptConfig(env: Env, requestUrl: string, partnerId: string) {
  const row = await loadPartner(env.CATALOG, partnerId);
  return {
    companyName: row.company_name,
    slug: row.slug,
    scriptDomain: row.script_domain,
    scriptDomainVerified: row.script_domain_verified === 1,
    scriptBaseUrl: scriptBaseUrl(env, requestUrl, row),
    globalName: row.global_name ?? configOf(env).defaultGlobalName,
  };
}

export const scriptConfigRoutes = createApi()
  .openapi(getRoute, async (c) => c.json(await scriptConfig(c.env, c.req.url, c.get("partnerId")), 200))
  .openapi(putRoute, async (c) => {
    const { globalName } = c.req.valid("json");
    const partnerId = c.get("partnerId");
    // The served script reads the name from each pixel's KV record.
    if (await setGlobalName(c.env.CATALOG, partnerId, globalName))
      await writeThroughPartnerPixels(c.var.tenant, partnerId);
    return c.json(await scriptConfig(c.env, c.req.url, partnerId), 200);
  });
